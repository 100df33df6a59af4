package io.densefractal.serve;

/**
 * A request the server answers with an error: the HTTP status, a stable machine-readable code and a
 * one-line message saying what was wrong and what to do. Rendered as {@code {"error": message,
 * "code": code}} (KServe's v2 error object, plus the code).
 */
final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final int retryAfterSeconds;

  ApiError(int status, String code, String message) {
    this(status, code, message, 0, null);
  }

  ApiError(int status, String code, String message, Throwable cause) {
    this(status, code, message, 0, cause);
  }

  ApiError(int status, String code, String message, int retryAfterSeconds, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  /** Seconds for a {@code Retry-After} header, 0 for none. */
  int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
