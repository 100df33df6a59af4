package io.densefractal;

/**
 * Base of every error this library raises on purpose. Its message is written for the user: it says
 * what was wrong and what to do, so the CLI prints it as one line without a stack trace.
 */
public class DenseFractalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DenseFractalException(String message) {
    super(message);
  }

  public DenseFractalException(String message, Throwable cause) {
    super(message, cause);
  }
}
