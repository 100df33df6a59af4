package io.densefractal.weights.pth;

import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import io.densefractal.weights.io.ByteOrders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The zip format of torch >= 1.6: {@code <prefix>/data.pkl}, raw storages in {@code
 * <prefix>/data/<key>}, and an optional {@code <prefix>/byteorder}. Read with {@link ZipFile},
 * which uses the central directory, because torch writes STORED entries that a streaming reader
 * mishandles.
 */
final class PthZipArchive implements PthArchive {
  /** Deflate cannot expand data by more than about 1032:1; a larger claimed size is a forgery. */
  private static final long MAX_DEFLATE_RATIO = 1032;

  private final ZipFile zip;
  private final Path file;
  private final long fileSize;
  private final String prefix;
  private final boolean bigEndian;
  private final Object root;

  private PthZipArchive(Path file, long fileSize) {
    this.file = file;
    this.fileSize = fileSize;
    try {
      this.zip = new ZipFile(file.toFile());
    } catch (IOException | RuntimeException e) {
      throw new WeightsFormatException(
          file + ": not a readable zip archive (" + e.getMessage() + ")", e);
    }
    try {
      this.prefix = findPrefix();
      this.bigEndian = readByteOrder();
      byte[] pkl = readEntry(prefix + "data.pkl");
      String what = file + " (" + prefix + "data.pkl)";
      byte[] pickle =
          PickleScanner.scan(
              new BoundedInput(new ByteArrayInputStream(pkl), pkl.length, what), what);
      this.root = TorchUnpickler.load(pickle, new PersistentStorages(false), what);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  static PthZipArchive open(Path file, long fileSize) {
    return new PthZipArchive(file, fileSize);
  }

  @Override
  public Object root() {
    return root;
  }

  @Override
  public long fileSize() {
    return fileSize;
  }

  @Override
  public byte[] load(StorageRef storage) {
    String name = prefix + "data/" + storage.rootKey();
    long expected = Math.multiplyExact(storage.rootNumel(), storage.dtype().byteSize());
    ZipEntry entry = entry(name);
    if (entry.getSize() != expected) {
      throw new WeightsFormatException(
          file
              + ": record "
              + name
              + " holds "
              + entry.getSize()
              + " bytes but the pickle declares "
              + storage.rootNumel()
              + " "
              + storage.dtype()
              + " elements ("
              + expected
              + " bytes)");
    }
    byte[] data = readEntry(name);
    if (bigEndian) {
      ByteOrders.swapInPlace(data, storage.dtype().byteSize());
    }
    return data;
  }

  @Override
  public void close() {
    try {
      zip.close();
    } catch (IOException ignored) {
      // Read-only: nothing is lost if closing fails.
    }
  }

  /** Finds the single top-level folder that holds data.pkl (named after the file by torch >= 2). */
  private String findPrefix() {
    List<String> prefixes = new ArrayList<>();
    boolean torchScript = false;
    try {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        String name = entries.nextElement().getName();
        int slash = name.indexOf('/');
        if (slash > 0 && name.indexOf('/', slash + 1) < 0) {
          String rest = name.substring(slash + 1);
          if (rest.equals("data.pkl")) {
            prefixes.add(name.substring(0, slash + 1));
          } else if (rest.equals("constants.pkl")) {
            torchScript = true;
          }
        }
      }
    } catch (RuntimeException e) {
      throw new WeightsFormatException(
          file + ": corrupt zip directory (" + e.getMessage() + ")", e);
    }
    if (torchScript) {
      throw new WeightsFormatException(
          file
              + " is a TorchScript archive (torch.jit.save), not a state dict; load it in Python"
              + " and save model.state_dict() with torch.save");
    }
    if (prefixes.size() != 1) {
      throw new WeightsFormatException(
          file
              + (prefixes.isEmpty()
                  ? " is a zip file but has no <folder>/data.pkl record; not a torch.save file"
                  : " has several data.pkl records "
                      + prefixes
                      + "; expected one torch.save archive"));
    }
    return prefixes.get(0);
  }

  private boolean readByteOrder() {
    if (zip.getEntry(prefix + "byteorder") == null) {
      return false;
    }
    byte[] b = readEntry(prefix + "byteorder");
    String order = new String(b, 0, Math.min(b.length, 16), StandardCharsets.US_ASCII).strip();
    return switch (order) {
      case "little" -> false;
      case "big" -> true;
      default ->
          throw new WeightsFormatException(
              file + ": byteorder record says '" + order + "', expected 'little' or 'big'");
    };
  }

  private ZipEntry entry(String name) {
    ZipEntry entry = zip.getEntry(name);
    if (entry == null || entry.isDirectory()) {
      throw new WeightsFormatException(
          file + ": record " + name + " is missing; the file is incomplete");
    }
    return entry;
  }

  /** Reads a whole record after checking its claimed size against what the file can hold. */
  private byte[] readEntry(String name) {
    ZipEntry entry = entry(name);
    long size = entry.getSize();
    long compressed = entry.getCompressedSize();
    long cap =
        entry.getMethod() == ZipEntry.STORED
            ? fileSize
            : saturatedMultiply(compressed, MAX_DEFLATE_RATIO);
    if (size < 0 || compressed < 0 || size > cap) {
      throw new WeightsFormatException(
          file + ": record " + name + " claims " + size + " bytes, more than the file can hold");
    }
    if (size > BoundedInput.MAX_ARRAY) {
      throw new WeightsFormatException(
          file + ": record " + name + " is larger than 2 GiB; not supported");
    }
    try (InputStream in = zip.getInputStream(entry)) {
      // One exact-size array: readNBytes(int) would buffer in chunks and copy once more.
      byte[] data = new byte[(int) size];
      if (in.readNBytes(data, 0, data.length) != size || in.read() >= 0) {
        throw new WeightsFormatException(
            file + ": record " + name + " does not hold the " + size + " bytes it declares");
      }
      CRC32 crc = new CRC32();
      crc.update(data);
      if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
        throw new WeightsFormatException(
            file
                + ": record "
                + name
                + " is corrupt (CRC mismatch); re-download or re-save the file");
      }
      return data;
    } catch (IOException | RuntimeException e) {
      if (e instanceof WeightsFormatException w) {
        throw w;
      }
      throw new WeightsFormatException(
          file + ": cannot read record " + name + " (" + e.getMessage() + ")", e);
    }
  }

  private static long saturatedMultiply(long a, long b) {
    try {
      return Math.multiplyExact(a, b);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }
}
