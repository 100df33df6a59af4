package io.densefractal.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Extracts the regular files of a tar stream (ustar and GNU long names; enough for the CIFAR
 * archives). Every header's checksum and size is checked; links, devices and other entry types are
 * skipped; names that are absolute or leave the target folder are rejected.
 */
final class TarReader {
  private static final int BLOCK = 512;
  private static final long MAX_ENTRY = 1L << 33;
  private static final int MAX_LONG_NAME = 1 << 16;

  private TarReader() {}

  /**
   * Extracts {@code in} (an uncompressed tar stream) into {@code target}.
   *
   * @return the number of regular files written
   * @throws DatasetFormatException when the archive is damaged or unsafe
   */
  static int extract(InputStream in, Path target) throws IOException {
    Path root = target.toAbsolutePath().normalize();
    byte[] header = new byte[BLOCK];
    String longName = null;
    int files = 0;
    while (true) {
      if (in.readNBytes(header, 0, BLOCK) < BLOCK) {
        throw new DatasetFormatException("the tar archive is truncated (no end marker)");
      }
      if (allZero(header)) {
        return files; // end-of-archive marker
      }
      checkChecksum(header);
      String name = string(header, 0, 100);
      String prefix = string(header, 345, 155);
      if (!prefix.isEmpty() && isUstar(header)) {
        name = prefix + "/" + name;
      }
      if (longName != null) {
        name = longName;
        longName = null;
      }
      long size = octal(header, 124, 12);
      if (size < 0 || size > MAX_ENTRY) {
        throw new DatasetFormatException("tar entry '" + name + "' has an invalid size field");
      }
      char type = (char) header[156];
      if (type == 'L') { // GNU: the next entry's long name is this entry's data
        if (size > MAX_LONG_NAME) {
          throw new DatasetFormatException("tar long-name entry of " + size + " bytes");
        }
        byte[] data = readFully(in, (int) size);
        longName = string(data, 0, data.length);
      } else if (type == '0' || type == 0 || type == '7') {
        Path out = destination(root, name);
        Files.createDirectories(out.getParent());
        try (OutputStream o =
            Files.newOutputStream(
                out,
                StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
          copy(in, o, size);
        }
        files++;
      } else {
        skip(in, size);
      }
      skip(in, (BLOCK - size % BLOCK) % BLOCK);
    }
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

  private static void checkChecksum(byte[] header) {
    long expected = octal(header, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      // The checksum field itself counts as eight spaces.
      sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xFF;
    }
    if (expected != sum) {
      throw new DatasetFormatException(
          "the tar archive is damaged (header checksum " + expected + ", computed " + sum + ")");
    }
  }

  private static boolean isUstar(byte[] header) {
    return string(header, 257, 5).equals("ustar");
  }

  private static byte[] readFully(InputStream in, int n) throws IOException {
    byte[] data = in.readNBytes(n);
    if (data.length < n) {
      throw new DatasetFormatException("the tar archive is truncated");
    }
    return data;
  }

  private static void copy(InputStream in, OutputStream out, long n) throws IOException {
    byte[] buf = new byte[1 << 16];
    while (n > 0) {
      int r = in.read(buf, 0, (int) Math.min(buf.length, n));
      if (r < 0) {
        throw new DatasetFormatException("the tar archive is truncated");
      }
      out.write(buf, 0, r);
      n -= r;
    }
  }

  private static void skip(InputStream in, long n) throws IOException {
    try {
      in.skipNBytes(n);
    } catch (EOFException e) {
      throw new DatasetFormatException("the tar archive is truncated", e);
    }
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String string(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  /** An octal number field (NUL/space padded), or -1 when it is not one (e.g. base-256). */
  private static long octal(byte[] b, int off, int len) {
    String s = string(b, off, len).trim();
    if (s.isEmpty()) {
      return 0;
    }
    if (s.length() > 12) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch < '0' || ch > '7') {
        return -1;
      }
      v = v * 8 + (ch - '0');
    }
    return v;
  }
}
