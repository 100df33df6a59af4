package io.densefractal.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Hand-made dataset files for the tests. */
final class TestFiles {
  private TestFiles() {}

  /** An IDX images file: magic, n, rows, cols, then the bytes. */
  static byte[] idxImages(int n, int rows, int cols, byte[] pixels) {
    ByteBuffer b = ByteBuffer.allocate(16 + pixels.length);
    b.putInt(IdxDataset.IMAGES_MAGIC).putInt(n).putInt(rows).putInt(cols).put(pixels);
    return b.array();
  }

  /** An IDX labels file: magic, n, then the labels. */
  static byte[] idxLabels(byte[] labels) {
    ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
    b.putInt(IdxDataset.LABELS_MAGIC).putInt(labels.length).put(labels);
    return b.array();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Pixels whose value tells image, row and column apart: (i·31 + y·7 + x) mod 256. */
  static byte[] pattern(int n, int channels, int rows, int cols) {
    byte[] px = new byte[n * channels * rows * cols];
    int k = 0;
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        for (int y = 0; y < rows; y++) {
          for (int x = 0; x < cols; x++) {
            px[k++] = (byte) (i * 31 + c * 50 + y * 7 + x);
          }
        }
      }
    }
    return px;
  }

  /**
   * Writes an MNIST-style folder: {@code train} images with labels i mod 10, {@code test} likewise,
   * each file gzipped when {@code gz}.
   */
  static void idxFolder(Path dir, int train, int test, boolean gz) throws IOException {
    Files.createDirectories(dir);
    writeSplit(dir, "train", train, gz);
    writeSplit(dir, "t10k", test, gz);
  }

  private static void writeSplit(Path dir, String prefix, int n, boolean gz) throws IOException {
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
    }
    byte[] images = idxImages(n, 28, 28, pattern(n, 1, 28, 28));
    byte[] lab = idxLabels(labels);
    String suffix = gz ? ".gz" : "";
    Files.write(dir.resolve(prefix + "-images-idx3-ubyte" + suffix), gz ? gzip(images) : images);
    Files.write(dir.resolve(prefix + "-labels-idx1-ubyte" + suffix), gz ? gzip(lab) : lab);
  }

  /** CIFAR records: label byte(s) then 3072 pattern bytes; the label of record i is labels[i]. */
  static byte[] cifarRecords(int[] labels, int labelBytes, int seed) {
    int record = labelBytes + 3072;
    byte[] out = new byte[labels.length * record];
    byte[] px = pattern(labels.length, 3, 32, 32);
    for (int i = 0; i < labels.length; i++) {
      if (labelBytes == 2) {
        out[i * record] = (byte) (labels[i] / 5); // a coarse label, ignored
      }
      out[i * record + labelBytes - 1] = (byte) labels[i];
      for (int j = 0; j < 3072; j++) {
        out[i * record + labelBytes + j] = (byte) (px[i * 3072 + j] + seed);
      }
    }
    return out;
  }

  /** A CIFAR-10 folder with {@code perBatch} records in each of the six batch files. */
  static void cifar10Folder(Path dir, int perBatch) throws IOException {
    Files.createDirectories(dir);
    StringBuilder names = new StringBuilder();
    for (String n : CIFAR10_NAMES) {
      names.append(n).append('\n');
    }
    Files.writeString(dir.resolve("batches.meta.txt"), names + "\n\n");
    int[] labels = new int[perBatch];
    for (int i = 0; i < perBatch; i++) {
      labels[i] = i % 10;
    }
    for (int b = 1; b <= 5; b++) {
      Files.write(dir.resolve("data_batch_" + b + ".bin"), cifarRecords(labels, 1, b));
    }
    Files.write(dir.resolve("test_batch.bin"), cifarRecords(labels, 1, 0));
  }

  static final List<String> CIFAR10_NAMES =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  /** A tar archive of the given files (name → content), ustar headers, regular files. */
  static byte[] tar(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      out.writeBytes(tarHeader(e.getKey(), e.getValue().length, '0'));
      out.writeBytes(e.getValue());
      out.writeBytes(new byte[(512 - e.getValue().length % 512) % 512]);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  static byte[] tarHeader(String name, long size, char type) {
    byte[] h = new byte[512];
    put(h, 0, name);
    put(h, 100, "0000644");
    put(h, 108, "0000000");
    put(h, 116, "0000000");
    put(h, 124, String.format("%011o", size));
    put(h, 136, "00000000000");
    h[156] = (byte) type;
    put(h, 257, "ustar");
    put(h, 263, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xFF;
    }
    put(h, 148, String.format("%06o", sum));
    h[154] = 0;
    return h;
  }

  private static void put(byte[] h, int off, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(b, 0, h, off, b.length);
  }

  /** Writes an RGB image whose pixel (x, y) is (r0 + x, g0 + y, b0) in {@code format}. */
  static void rgbImage(Path file, int w, int h, int r0, int g0, int b0, String format)
      throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, ((r0 + x) & 0xFF) << 16 | ((g0 + y) & 0xFF) << 8 | (b0 & 0xFF));
      }
    }
    Files.createDirectories(file.getParent());
    if (!ImageIO.write(img, format, file.toFile())) {
      throw new IOException("no writer for " + format);
    }
  }
}
