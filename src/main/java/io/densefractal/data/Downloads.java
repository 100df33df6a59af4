package io.densefractal.data;

import io.densefractal.net.HttpGet;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Downloads a URL into a file atomically: readers never see a partial file. */
final class Downloads {
  private static final Logger LOG = LoggerFactory.getLogger(Downloads.class);

  private Downloads() {}

  /**
   * Downloads {@code uri} into a temp file next to {@code target}, then renames it to {@code
   * target}; on failure the temp file is deleted and {@code target} is untouched.
   *
   * @throws IOException when the download fails (HTTP status other than 200 included)
   */
  static void fetch(URI uri, Path target) throws IOException {
    Path temp =
        target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
    LOG.info("downloading {} to {}", uri, target);
    boolean moved = false;
    try {
      try (FileChannel channel =
              FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
          OutputStream out = Channels.newOutputStream(channel)) {
        HttpGet.into(uri, out, HttpGet.Timeouts.DEFAULT);
        channel.force(true);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      moved = true;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
