package io.densefractal.weights;

import io.densefractal.DenseFractalException;

/**
 * A weights file (.pth, .safetensors, .npy) is malformed, truncated, or uses an unsupported
 * feature.
 */
public class WeightsFormatException extends DenseFractalException {
  private static final long serialVersionUID = 1L;

  public WeightsFormatException(String message) {
    super(message);
  }

  public WeightsFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
