package io.densefractal.weights.pth;

import io.densefractal.weights.DType;
import io.densefractal.weights.WeightsFormatException;
import java.util.Arrays;

/**
 * A tensor as the pickle describes it: a strided view into a storage. Built while unpickling (the
 * storage bytes may not have been read yet, and for legacy files come after the pickle) and turned
 * into a contiguous {@link Tensor} by {@link TensorResolver}. The constructor proves that every
 * element the view can address lies inside the storage.
 */
final class TensorRef {
  private final StorageRef storage;
  private final long offset;
  private final long[] size;
  private final long[] stride;
  private final long numel;

  TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    if (size.length != stride.length) {
      throw new WeightsFormatException(
          "tensor has " + size.length + " sizes but " + stride.length + " strides");
    }
    if (offset < 0) {
      throw new WeightsFormatException("tensor has negative storage offset " + offset);
    }
    long n = 1;
    long lastIndex = offset;
    try {
      for (int i = 0; i < size.length; i++) {
        if (size[i] < 0 || stride[i] < 0) {
          throw new WeightsFormatException(
              "tensor has a negative size or stride: size "
                  + Arrays.toString(size)
                  + ", stride "
                  + Arrays.toString(stride));
        }
        n = Math.multiplyExact(n, size[i]);
        if (size[i] > 0) {
          lastIndex = Math.addExact(lastIndex, Math.multiplyExact(size[i] - 1, stride[i]));
        }
      }
    } catch (ArithmeticException e) {
      throw new WeightsFormatException(
          "tensor size " + Arrays.toString(size) + " or its strides overflow", e);
    }
    if (n > 0 && lastIndex >= storage.numel()) {
      throw new WeightsFormatException(
          "tensor of size "
              + Arrays.toString(size)
              + ", stride "
              + Arrays.toString(stride)
              + " at offset "
              + offset
              + " reaches element "
              + lastIndex
              + " of a storage with only "
              + storage.numel()
              + " elements");
    }
    this.storage = storage;
    this.offset = offset;
    this.size = size.clone();
    this.stride = stride.clone();
    this.numel = n;
  }

  StorageRef storage() {
    return storage;
  }

  DType dtype() {
    return storage.dtype();
  }

  /** Element offset inside {@link #storage()}. */
  long offset() {
    return offset;
  }

  long[] size() {
    return size.clone();
  }

  long[] stride() {
    return stride.clone();
  }

  long numel() {
    return numel;
  }

  /**
   * Whether the elements are laid out in C order with no gaps (size-1 dims may have any stride).
   */
  boolean isContiguous() {
    if (numel == 0) {
      return true;
    }
    long expected = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      if (size[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= size[i];
    }
    return true;
  }

  @Override
  public String toString() {
    return "TensorRef(" + dtype() + ", " + Arrays.toString(size) + ")";
  }
}
