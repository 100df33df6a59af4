package io.densefractal.weights.pth;

import io.densefractal.weights.DType;
import io.densefractal.weights.WeightsFormatException;

/**
 * A placeholder for a torch storage named by a pickle persistent id: a window of {@code numel}
 * elements at {@code offset} inside the root storage {@code rootKey}. Zip files only have whole
 * roots; legacy files before torch 1.0 could also pickle views. The bytes are loaded later, once
 * per root.
 */
final class StorageRef {
  private final String rootKey;
  private final DType dtype;
  private final long rootNumel;
  private final long offset;
  private final long numel;

  StorageRef(String rootKey, DType dtype, long rootNumel, long offset, long numel) {
    if (offset < 0 || numel < 0 || offset > rootNumel - numel) {
      throw new WeightsFormatException(
          "storage view ["
              + offset
              + ", +"
              + numel
              + ") lies outside storage '"
              + rootKey
              + "' of "
              + rootNumel
              + " elements");
    }
    this.rootKey = rootKey;
    this.dtype = dtype;
    this.rootNumel = rootNumel;
    this.offset = offset;
    this.numel = numel;
  }

  String rootKey() {
    return rootKey;
  }

  DType dtype() {
    return dtype;
  }

  long rootNumel() {
    return rootNumel;
  }

  /** Element offset of this view inside the root storage. */
  long offset() {
    return offset;
  }

  long numel() {
    return numel;
  }

  @Override
  public String toString() {
    return "Storage(" + dtype + ", key " + rootKey + ", " + numel + " elements)";
  }
}
