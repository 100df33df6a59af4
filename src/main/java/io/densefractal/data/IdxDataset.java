package io.densefractal.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (LeCun's MNIST format, also Fashion-MNIST's): a big-endian magic {@code
 * 0x00000803} (unsigned bytes, 3 dimensions: images) or {@code 0x00000801} (labels), the dimensions
 * as big-endian ints, then the data. Gzipped files are recognised by their magic bytes, not their
 * names. The images are held in memory.
 */
public final class IdxDataset {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  // No IDX dataset has larger images; a bigger side means a damaged header.
  private static final int MAX_SIDE = 1 << 14;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;
  private static final int BUFFER = 1 << 16;

  /** The four files of MNIST and Fashion-MNIST, without their optional .gz. */
  static final List<String> FILES =
      List.of(
          "train-images-idx3-ubyte",
          "train-labels-idx1-ubyte",
          "t10k-images-idx3-ubyte",
          "t10k-labels-idx1-ubyte");

  private IdxDataset() {}

  /**
   * The split {@code prefix} ("train" or "t10k") of {@code dir}: {@code <prefix>-images-idx3-ubyte}
   * and {@code <prefix>-labels-idx1-ubyte}, each optionally with {@code .gz}.
   */
  public static ImageDataset read(Path dir, String prefix, List<String> classes) {
    return read(
        existing(dir, prefix + "-images-idx3-ubyte"),
        existing(dir, prefix + "-labels-idx1-ubyte"),
        classes);
  }

  /** An images file and its labels file (each gzipped or not). */
  public static ImageDataset read(Path images, Path labels, List<String> classes) {
    try (InputStream im = Files.newInputStream(images);
        InputStream lb = Files.newInputStream(labels)) {
      return read(im, images.toString(), lb, labels.toString(), classes);
    } catch (NoSuchFileException e) {
      throw new DatasetNotFoundException("no such file: " + e.getFile(), e);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read " + images + " / " + labels + ": " + e, e);
    }
  }

  /**
   * Reads an images stream and its labels stream (each gzipped or not) and closes them.
   *
   * @param name what the streams are, for messages
   */
  public static ImageDataset read(
      InputStream images, InputStream labels, List<String> classes, String name) {
    try (images;
        labels) {
      return read(images, name + " (images)", labels, name + " (labels)", classes);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read " + name + ": " + e, e);
    }
  }

  /** The file {@code base} or {@code base.gz} in {@code dir}, or null when neither exists. */
  static Path find(Path dir, String base) {
    Path plain = dir.resolve(base);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gz = dir.resolve(base + ".gz");
    return Files.isRegularFile(gz) ? gz : null;
  }

  private static Path existing(Path dir, String base) {
    Path p = find(dir, base);
    if (p == null) {
      throw new DatasetNotFoundException(
          "neither " + dir.resolve(base) + " nor " + dir.resolve(base + ".gz") + " exists");
    }
    return p;
  }

  private static ImageDataset read(
      InputStream images,
      String imagesName,
      InputStream labels,
      String labelsName,
      List<String> classes)
      throws IOException {
    // Closing the wrappers also ends the gzip inflaters at once, not at garbage collection.
    try (DataInputStream im = open(images, imagesName);
        DataInputStream lb = open(labels, labelsName)) {
      return read(im, imagesName, lb, labelsName, classes);
    }
  }

  private static ImageDataset read(
      DataInputStream im,
      String imagesName,
      DataInputStream lb,
      String labelsName,
      List<String> classes) {
    int n = header(im, imagesName, IMAGES_MAGIC, "image");
    int rows = dimension(im, imagesName, "rows");
    int cols = dimension(im, imagesName, "columns");
    int m = header(lb, labelsName, LABELS_MAGIC, "label");
    if (m != n) {
      throw new DatasetFormatException(
          imagesName
              + " holds "
              + n
              + " images but "
              + labelsName
              + " holds "
              + m
              + " labels; the two files must belong together");
    }
    long bytes = (long) n * rows * cols;
    if (bytes > MAX_ARRAY) {
      throw new DatasetFormatException(
          imagesName + ": " + n + " images of " + rows + "x" + cols + " exceed 2 GB");
    }
    byte[] pixels = body(im, imagesName, (int) bytes);
    byte[] rawLabels = body(lb, labelsName, n);
    int[] labelsOut = new int[n];
    for (int i = 0; i < n; i++) {
      labelsOut[i] = rawLabels[i] & 0xFF;
    }
    return new InMemoryDataset(1, rows, cols, pixels, labelsOut, classes, labelsName);
  }

  /** The stream, un-gzipped when it starts with the gzip magic bytes 1f 8b. */
  private static DataInputStream open(InputStream in, String name) {
    try {
      BufferedInputStream buffered = new BufferedInputStream(in, BUFFER);
      buffered.mark(2);
      int b0 = buffered.read();
      int b1 = buffered.read();
      buffered.reset();
      boolean gzip = b0 == 0x1f && b1 == 0x8b;
      return new DataInputStream(
          gzip ? new BufferedInputStream(new GZIPInputStream(buffered, BUFFER), BUFFER) : buffered);
    } catch (ZipException | EOFException e) {
      throw new DatasetFormatException(name + ": damaged gzip data (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read " + name + ": " + e, e);
    }
  }

  /** Checks the magic number and returns the item count (the first dimension). */
  private static int header(DataInputStream in, String name, int expectedMagic, String kind) {
    int magic = readInt(in, name);
    if (magic != expectedMagic) {
      String hint =
          magic == IMAGES_MAGIC
              ? " (this is an image file)"
              : magic == LABELS_MAGIC ? " (this is a label file)" : "";
      throw new DatasetFormatException(
          String.format(
              "%s: not an IDX %s file: magic number 0x%08x, expected 0x%08x%s",
              name, kind, magic, expectedMagic, hint));
    }
    int n = readInt(in, name);
    if (n < 1) {
      throw new DatasetFormatException(name + ": the header says it holds " + n + " items");
    }
    return n;
  }

  private static int dimension(DataInputStream in, String name, String what) {
    int d = readInt(in, name);
    if (d < 1 || d > MAX_SIDE) {
      throw new DatasetFormatException(
          name + ": implausible number of " + what + " " + d + " in the IDX header");
    }
    return d;
  }

  private static int readInt(DataInputStream in, String name) {
    try {
      return in.readInt();
    } catch (EOFException e) {
      throw new DatasetFormatException(name + ": truncated: the file ends inside its header", e);
    } catch (IOException e) {
      throw readFailure(name, e);
    }
  }

  /** Exactly {@code n} bytes and then the end of the stream. */
  private static byte[] body(DataInputStream in, String name, int n) {
    try {
      // readNBytes grows its buffer as data arrives, so a lying header cannot make us allocate
      // gigabytes for a small file.
      byte[] data = in.readNBytes(n);
      if (data.length < n) {
        throw new DatasetFormatException(
            name
                + ": truncated: the header promises "
                + n
                + " bytes of data, the file has "
                + data.length
                + "; download it again");
      }
      if (in.read() != -1) {
        throw new DatasetFormatException(
            name + ": more data than the header's " + n + " bytes; the header or file is wrong");
      }
      return data;
    } catch (IOException e) {
      throw readFailure(name, e);
    }
  }

  private static DatasetFormatException readFailure(String name, IOException e) {
    if (e instanceof ZipException || e instanceof EOFException) {
      return new DatasetFormatException(
          name + ": damaged or truncated gzip data (" + e.getMessage() + "); download it again", e);
    }
    return new DatasetFormatException("cannot read " + name + ": " + e, e);
  }
}
