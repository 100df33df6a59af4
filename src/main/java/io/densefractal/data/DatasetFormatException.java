package io.densefractal.data;

import io.densefractal.DenseFractalException;

/** A dataset file is damaged or not in the expected format; the message names the file. */
public final class DatasetFormatException extends DenseFractalException {
  public DatasetFormatException(String message) {
    super(message);
  }

  public DatasetFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
