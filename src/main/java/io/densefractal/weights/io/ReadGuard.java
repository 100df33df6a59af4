package io.densefractal.weights.io;

import io.densefractal.weights.WeightsFormatException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The last line of defence for the promise that a bad file only ever yields a {@link
 * WeightsFormatException}: the parsers check everything they know of, and any other runtime failure
 * they missed is still reported as a format error naming the file, not as a raw JDK exception.
 */
public final class ReadGuard {
  private ReadGuard() {}

  public static <T> T run(Path file, Supplier<T> body) {
    try {
      return body.get();
    } catch (WeightsFormatException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new WeightsFormatException(file + ": malformed weights file (" + e + ")", e);
    }
  }
}
