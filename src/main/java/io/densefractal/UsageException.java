package io.densefractal;

/**
 * A value the user gave is not allowed (a flag's value, a model name, a size the machine cannot
 * hold). The CLI exits with status 2 for it, whichever layer detects it; its message names the flag
 * or value, what was given and what is allowed.
 */
public class UsageException extends DenseFractalException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }

  public UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
