package io.densefractal.files;

import io.densefractal.DenseFractalException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * Writes files so that readers see either the old content or the complete new one, never a torn
 * file: the body writes a temp file in the target's directory, which is synced and then renamed
 * over the target.
 */
public final class AtomicFiles {
  private static final int BUFFER_SIZE = 1 << 16;
  private static final int CREATE_ATTEMPTS = 5;

  private AtomicFiles() {}

  /**
   * Runs {@code body} on a stream to a temp file next to {@code target}, then moves it over {@code
   * target} atomically. If the body or the move fails, the temp file is deleted and the old target
   * is left untouched.
   *
   * @throws DenseFractalException if the file cannot be written (the body's own unchecked
   *     exceptions pass through unchanged)
   */
  public static void write(Path target, IoConsumer<OutputStream> body) {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Path temp = null;
    boolean moved = false;
    try {
      if (Files.isDirectory(absolute)) {
        throw new DenseFractalException("cannot write " + target + ": it is a directory");
      }
      temp = createTemp(dir, absolute.getFileName().toString());
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE);
          OutputStream out =
              new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_SIZE)) {
        body.accept(out);
        out.flush();
        // Sync before the rename so a crash cannot leave a renamed but empty file.
        channel.force(true);
      }
      move(temp, absolute);
      moved = true;
    } catch (NoSuchFileException e) {
      throw new DenseFractalException(
          "cannot write " + target + ": directory " + dir + " does not exist", e);
    } catch (IOException e) {
      throw new DenseFractalException("cannot write " + target + ": " + e, e);
    } finally {
      if (!moved && temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  // Not Files.createTempFile: that creates mode 0600, and the final file should get the usual
  // umask.
  private static Path createTemp(Path dir, String name) throws IOException {
    for (int attempt = 1; ; attempt++) {
      Path temp = dir.resolve("." + name + "." + UUID.randomUUID() + ".tmp");
      try {
        Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        if (attempt == CREATE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      // Same directory, so this only happens on exotic file systems; a plain replace is the best
      // left.
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException ignored) {
      // The original failure is what the caller needs to see.
    }
  }
}
