package io.densefractal.data;

import io.densefractal.files.AtomicFiles;
import io.densefractal.net.HttpGet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Downloads a URL into a file atomically: readers never see a partial file. */
final class Downloads {
  private static final Logger LOG = LoggerFactory.getLogger(Downloads.class);

  private Downloads() {}

  /**
   * Downloads {@code uri} into {@code target} through {@link AtomicFiles}: on failure (an HTTP
   * status other than 200 included) {@code target} is untouched and no temp file is left.
   *
   * @throws UncheckedIOException when the download fails
   * @throws io.densefractal.DenseFractalException when the file cannot be written
   */
  static void fetch(URI uri, Path target) {
    LOG.info("downloading {} to {}", uri, target);
    AtomicFiles.write(
        target,
        out -> {
          try {
            HttpGet.into(uri, out, HttpGet.Timeouts.DEFAULT);
          } catch (IOException e) {
            // Unchecked so that AtomicFiles passes it through unchanged: the reason is the
            // download's, not the file's.
            throw new UncheckedIOException(e.getMessage(), e);
          }
        });
  }
}
