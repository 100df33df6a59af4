package io.densefractal.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 and CIFAR-100: records of label byte(s) then 3072 bytes
 * (1024 R, 1024 G, 1024 B, each 32×32 row-major, so already channel-major). CIFAR-100 records carry
 * a coarse and a fine label; the fine one is used. The images are held in memory.
 */
public final class CifarDataset {
  static final int SIDE = 32;
  private static final int PIXELS = 3 * SIDE * SIDE;
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  /** The files of the CIFAR-10 binary version (as in cifar-10-batches-bin/). */
  static final List<String> CIFAR10_FILES =
      List.of(
          "batches.meta.txt",
          "data_batch_1.bin",
          "data_batch_2.bin",
          "data_batch_3.bin",
          "data_batch_4.bin",
          "data_batch_5.bin",
          "test_batch.bin");

  /** The files of the CIFAR-100 binary version (as in cifar-100-binary/). */
  static final List<String> CIFAR100_FILES =
      List.of("fine_label_names.txt", "train.bin", "test.bin");

  private CifarDataset() {}

  /** Train (data_batch_1..5.bin) and test (test_batch.bin) of a CIFAR-10 folder. */
  public static ImageDataset[] cifar10(Path dir) {
    List<String> classes = cifar10Classes(dir);
    List<Path> train = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      train.add(dir.resolve("data_batch_" + i + ".bin"));
    }
    return new ImageDataset[] {
      read(train, 1, classes), read(List.of(dir.resolve("test_batch.bin")), 1, classes)
    };
  }

  /** Train (train.bin) and test (test.bin) of a CIFAR-100 folder, with the fine labels. */
  public static ImageDataset[] cifar100(Path dir) {
    List<String> classes = cifar100Classes(dir);
    return new ImageDataset[] {
      read(List.of(dir.resolve("train.bin")), 2, classes),
      read(List.of(dir.resolve("test.bin")), 2, classes)
    };
  }

  /** The class names of a CIFAR-10 folder (batches.meta.txt), without reading its images. */
  public static List<String> cifar10Classes(Path dir) {
    return classNames(dir.resolve("batches.meta.txt"), 10);
  }

  /** The fine class names of a CIFAR-100 folder (fine_label_names.txt), without its images. */
  public static List<String> cifar100Classes(Path dir) {
    return classNames(dir.resolve("fine_label_names.txt"), 100);
  }

  /**
   * Reads and concatenates record files.
   *
   * @param labelBytes 1 (CIFAR-10) or 2 (CIFAR-100: coarse, fine; the last is used)
   */
  public static ImageDataset read(List<Path> files, int labelBytes, List<String> classes) {
    if (labelBytes != 1 && labelBytes != 2) {
      throw new IllegalArgumentException("labelBytes must be 1 or 2, got " + labelBytes);
    }
    int record = labelBytes + PIXELS;
    long total = 0;
    // Sizes first: a truncated file is reported before anything is allocated.
    for (Path f : files) {
      long size = size(f);
      if (size == 0 || size % record != 0) {
        throw new DatasetFormatException(
            f
                + ": "
                + size
                + " bytes is not a whole number of "
                + record
                + "-byte CIFAR-"
                + (labelBytes == 1 ? "10" : "100")
                + " records (truncated, or CIFAR-10 and CIFAR-100 files mixed up); download it"
                + " again");
      }
      total += size / record;
    }
    if (total * PIXELS > MAX_ARRAY) {
      throw new DatasetFormatException("too many CIFAR records for one array: " + total);
    }
    int n = (int) total;
    byte[] pixels = new byte[n * PIXELS];
    int[] labels = new int[n];
    int i = 0;
    byte[] buf = new byte[record];
    for (Path f : files) {
      int first = i;
      try (InputStream in = new BufferedInputStream(Files.newInputStream(f), 1 << 16)) {
        while (in.readNBytes(buf, 0, record) == record) {
          labels[i] = buf[labelBytes - 1] & 0xFF;
          if (labels[i] >= classes.size()) {
            throw new DatasetFormatException(
                f
                    + ": record "
                    + (i - first)
                    + " has label "
                    + labels[i]
                    + ", but there are "
                    + classes.size()
                    + " classes; the file is damaged or from the other CIFAR");
          }
          System.arraycopy(buf, labelBytes, pixels, i * PIXELS, PIXELS);
          i++;
        }
      } catch (IOException e) {
        throw new DatasetFormatException("cannot read " + f + ": " + e, e);
      }
    }
    if (i != n) {
      throw new DatasetFormatException(
          "the CIFAR files " + files + " changed while being read; read them again");
    }
    return new InMemoryDataset(3, SIDE, SIDE, pixels, labels, classes, files.toString());
  }

  /** The non-blank lines of a class-name file, which must name {@code expected} classes. */
  static List<String> classNames(Path file, int expected) {
    List<String> names = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          names.add(line.strip());
        }
      }
    } catch (NoSuchFileException e) {
      throw new DatasetNotFoundException(
          file + " is missing: it holds the class names, one per line", e);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read the class names in " + file + ": " + e, e);
    }
    if (names.size() != expected) {
      throw new DatasetFormatException(
          file + " names " + names.size() + " classes, expected " + expected + ", one per line");
    }
    return names;
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (NoSuchFileException e) {
      throw new DatasetNotFoundException(f + " is missing", e);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read " + f + ": " + e, e);
    }
  }
}
