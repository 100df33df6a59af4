package io.densefractal.weights.io;

import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Up-front checks on a weights path, so a typo gives a clear message instead of an I/O trace. */
public final class FileChecks {
  private FileChecks() {}

  /** Returns the file's size after checking it exists, is a regular file and is readable. */
  public static long requireReadableFile(Path file) {
    if (Files.isDirectory(file)) {
      throw new WeightsFormatException(file + " is a directory, expected a weights file");
    }
    if (!Files.exists(file)) {
      throw new WeightsFormatException("no such file: " + file);
    }
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new WeightsFormatException(file + " is not a readable regular file");
    }
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }
}
