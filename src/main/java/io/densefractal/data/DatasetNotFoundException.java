package io.densefractal.data;

import io.densefractal.DenseFractalException;

/** A dataset is neither on disk nor downloadable; the message says where to put it. */
public final class DatasetNotFoundException extends DenseFractalException {
  public DatasetNotFoundException(String message) {
    super(message);
  }

  public DatasetNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
