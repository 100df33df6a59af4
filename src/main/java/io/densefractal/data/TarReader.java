package io.densefractal.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Extracts the regular files of a tar stream with commons-compress (ustar, GNU and PAX long names).
 * What the library leaves to its callers is done here: header checksums are checked, links,
 * devices and other entry types are skipped, names that are absolute or leave the target folder
 * are rejected, and an archive without its end marker counts as truncated.
 */
final class TarReader {
  private static final long MAX_ENTRY = 1L << 33;

  private TarReader() {}

  /**
   * Extracts {@code in} (an uncompressed tar stream) into {@code target}.
   *
   * @return the number of regular files written
   * @throws DatasetFormatException when the archive is damaged or unsafe
   * @throws IOException when a file cannot be written
   */
  static int extract(InputStream in, Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    long endOfLastEntry = 0;
    int files = 0;
    for (TarArchiveEntry entry = next(tar); entry != null; entry = next(tar)) {
      String name = entry.getName();
      if (!entry.isCheckSumOK()) {
        throw new DatasetFormatException(
            "the tar archive is damaged (header checksum of '" + name + "' does not match)");
      }
      long dataStart = tar.getBytesRead();
      long size = entry.getSize();
      if (size < 0 || size > MAX_ENTRY) {
        throw new DatasetFormatException("tar entry '" + name + "' has an invalid size field");
      }
      if (isRegularFile(entry)) {
        Path out = destination(root, name);
        Files.createDirectories(out.getParent());
        try (OutputStream o =
            Files.newOutputStream(
                out,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
          copy(tar, o, size);
        }
        files++;
      }
      endOfLastEntry = dataStart + roundUpToRecord(size);
    }
    // The library ends quietly at end of input; a complete archive has read its zero record
    // (512 bytes) after the last entry's data and padding.
    if (tar.getBytesRead() < endOfLastEntry + TarConstants.DEFAULT_RCDSIZE) {
      throw new DatasetFormatException("the tar archive is truncated (no end marker)");
    }
    return files;
  }

  private static long roundUpToRecord(long size) {
    long record = TarConstants.DEFAULT_RCDSIZE;
    return (size + record - 1) / record * record;
  }

  private static TarArchiveEntry next(TarArchiveInputStream tar) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      throw new DatasetFormatException("the tar archive is truncated or damaged: " + e.getMessage());
    }
  }

  private static boolean isRegularFile(TarArchiveEntry entry) {
    byte flag = entry.getLinkFlag();
    return flag == TarConstants.LF_NORMAL
        || flag == TarConstants.LF_OLDNORM
        || flag == TarConstants.LF_CONTIG;
  }

  private static Path destination(Path root, String name) {
    if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.indexOf(':') >= 0) {
      throw new DatasetFormatException("tar entry '" + name + "' has an unsafe name");
    }
    Path out = root.resolve(name).normalize();
    if (!out.startsWith(root) || out.equals(root)) {
      throw new DatasetFormatException("tar entry '" + name + "' points outside " + root);
    }
    return out;
  }

  // Reading and writing fail for different reasons: a short read is the archive's fault (a
  // format error), a failed write the disk's (an IOException for the caller).
  private static void copy(TarArchiveInputStream tar, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[1 << 16];
    while (n > 0) {
      int r;
      try {
        r = tar.read(buf, 0, (int) Math.min(buf.length, n));
      } catch (IOException e) {
        throw new DatasetFormatException("the tar archive is truncated: " + e.getMessage());
      }
      if (r < 0) {
        throw new DatasetFormatException("the tar archive is truncated");
      }
      out.write(buf, 0, r);
      n -= r;
    }
  }
}
