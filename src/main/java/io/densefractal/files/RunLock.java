package io.densefractal.files;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process at a time in a run directory: an OS lock on {@code <dir>/.lock}, held for the whole
 * run. The operating system drops the lock when its process dies (kill -9 included), so a lock file
 * left by a dead process is stale by construction and simply taken over; the file keeps the pid of
 * the last holder, which the refusal names. The file is never deleted, since a second process may
 * already have it open.
 */
public final class RunLock implements AutoCloseable {
  public static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dir} (which must exist) for this process.
   *
   * @throws DenseFractalException when another process (or this one) holds it
   */
  public static RunLock acquire(Path dir) {
    Path file = dir.resolve(FILE);
    FileChannel channel = null;
    try {
      channel =
          FileChannel.open(
              file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null; // held by this very process
      }
      if (lock == null) {
        String holder = holder(file);
        channel.close();
        throw new DenseFractalException(
            "the run directory "
                + dir
                + " is in use by another training process"
                + (holder.isEmpty() ? "" : " (pid " + holder + ")")
                + "; wait for it to finish, or choose another --out");
      }
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      return new RunLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new DenseFractalException("cannot lock the run directory " + dir + ": " + e, e);
    }
  }

  private static String holder(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII).strip();
    } catch (IOException e) {
      return "";
    }
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // The lock failure is what the caller must see.
      }
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      // Closing the channel releases the lock in any case.
    }
  }
}
