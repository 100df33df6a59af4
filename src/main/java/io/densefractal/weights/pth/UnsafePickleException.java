package io.densefractal.weights.pth;

import io.densefractal.weights.WeightsFormatException;

/**
 * A pickle referenced a global outside the allow-list (e.g. {@code os.system}). It is rejected at
 * the opcode that names it, before anything could be called with it.
 */
public class UnsafePickleException extends WeightsFormatException {
  private static final long serialVersionUID = 1L;
  private final String global;

  public UnsafePickleException(String global) {
    super(
        "refusing to unpickle global '"
            + global
            + "': only tensors, storages and OrderedDict are allowed in weight files"
            + " (re-save the file with torch.save(model.state_dict(), path))");
    this.global = global;
  }

  /** The rejected global, as {@code module.name}. */
  public String global() {
    return global;
  }
}
