package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import org.apache.spark.sql.AnalysisException;

/** One user-facing line for a failed job, whatever layer of Spark wrapped the cause. */
final class SparkErrors {
  private SparkErrors() {}

  static String oneLine(Throwable e) {
    // A failed task reaches the driver wrapped (SparkException around the executor's exception);
    // ours carry the message meant for the user.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DenseFractalException) {
        return firstLine(t.getMessage());
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof AnalysisException a) {
        return firstLine(a.getMessage());
      }
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    return root.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("").strip();
  }
}
