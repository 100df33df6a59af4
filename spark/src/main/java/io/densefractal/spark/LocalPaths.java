package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks of input and output paths on the local file system, made on the driver before Spark
 * starts, so a typo costs one clear line instead of a failed job. Paths of other file systems
 * ({@code hdfs://}, {@code s3a://}) are left to Spark.
 */
final class LocalPaths {
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

  private LocalPaths() {}

  /** The local path {@code path} names, or empty when it is on another file system. */
  static Optional<Path> local(String path) {
    if (!SCHEME.matcher(path).matches()) {
      return Optional.of(Path.of(path));
    }
    if (path.startsWith("file:")) {
      return Optional.of(Path.of(URI.create(path)));
    }
    return Optional.empty();
  }

  /**
   * {@code path} as executors must see it: a relative local path that exists here, made absolute (a
   * cluster's executors run in their own folders); anything else as it is.
   */
  static String absolute(String path) {
    return local(path)
        .filter(p -> !p.isAbsolute() && Files.exists(p))
        .map(p -> p.toAbsolutePath().normalize().toString())
        .orElse(path);
  }

  static void checkInput(ImageInput input) {
    Optional<Path> p = local(input.path());
    if (p.isEmpty()) {
      return;
    }
    if (!Files.exists(p.get())) {
      throw new DenseFractalException(
          "input " + input.path() + " does not exist; give an existing folder or Parquet table");
    }
    if (!input.parquet() && !Files.isDirectory(p.get())) {
      throw new DenseFractalException(
          "--data "
              + input.path()
              + " is not a folder; give a folder of images, or a Parquet table with --parquet");
    }
  }

  static void checkOutput(String out, boolean overwrite) {
    Optional<Path> p = local(out);
    if (p.isEmpty()) {
      return;
    }
    Path path = p.get().toAbsolutePath();
    if (Files.exists(path) && !overwrite) {
      throw new DenseFractalException(
          "output " + out + " exists; remove it, choose another path or pass --overwrite");
    }
    Path parent = path.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      throw new DenseFractalException(
          "cannot write output "
              + out
              + ": "
              + (parent == null ? "it has no existing folder above it" : parent + " is ")
              + (parent != null && !Files.isDirectory(parent) ? "not a folder" : "")
              + (parent != null && Files.isDirectory(parent) ? "not writable" : "")
              + "; choose a writable place");
    }
  }
}
