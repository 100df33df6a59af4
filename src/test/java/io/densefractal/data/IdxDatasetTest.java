package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
  @TempDir Path dir;

  private static ImageDataset read(byte[] images, byte[] labels) {
    return IdxDataset.read(
        new ByteArrayInputStream(images),
        new ByteArrayInputStream(labels),
        Datasets.MNIST_CLASSES,
        "test");
  }

  @Test
  void readsImagesAndLabelsPlainOrGzipped() {
    byte[] px = TestFiles.pattern(3, 1, 2, 4);
    byte[] images = TestFiles.idxImages(3, 2, 4, px);
    byte[] labels = TestFiles.idxLabels(new byte[] {7, 0, 9});
    for (boolean gz : new boolean[] {false, true}) {
      ImageDataset d =
          read(gz ? TestFiles.gzip(images) : images, gz ? TestFiles.gzip(labels) : labels);
      assertThat(d.size()).isEqualTo(3);
      assertThat(d.classes()).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
      assertThat(new int[] {d.label(0), d.label(1), d.label(2)}).containsExactly(7, 0, 9);
      Image second = d.image(1);
      assertThat(second.channels()).isEqualTo(1);
      assertThat(second.height()).isEqualTo(2);
      assertThat(second.width()).isEqualTo(4);
      assertThat(second.pixels()).isEqualTo(Arrays.copyOfRange(px, 8, 16));
      assertThat(second.at(0, 1, 3)).isEqualTo(px[15] & 0xFF);
    }
  }

  @Test
  void gzipIsDetectedByContentNotByName() throws IOException {
    TestFiles.idxFolder(dir, 20, 10, false);
    // A gzipped file without .gz and a plain file with .gz both read.
    Path images = dir.resolve("train-images-idx3-ubyte");
    Files.write(images, TestFiles.gzip(Files.readAllBytes(images)));
    Path labels = dir.resolve("train-labels-idx1-ubyte");
    Files.move(labels, dir.resolve("train-labels-idx1-ubyte.gz"));
    ImageDataset d = IdxDataset.read(dir, "train", Datasets.MNIST_CLASSES);
    assertThat(d.size()).isEqualTo(20);
    assertThat(d.label(13)).isEqualTo(3);
  }

  @Test
  void imageIsACopy() {
    ImageDataset d =
        read(TestFiles.idxImages(1, 1, 1, new byte[] {5}), TestFiles.idxLabels(new byte[] {1}));
    d.image(0).pixels()[0] = 99;
    assertThat(d.image(0).pixels()[0]).isEqualTo((byte) 5);
  }

  @Test
  void truncatedDataIsAFormatError() {
    byte[] images = TestFiles.idxImages(3, 2, 2, new byte[12]);
    byte[] cut = Arrays.copyOf(images, images.length - 1);
    assertThatThrownBy(() -> read(cut, TestFiles.idxLabels(new byte[3])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("12 bytes");
    byte[] gz = TestFiles.gzip(images);
    byte[] gzCut = Arrays.copyOf(gz, gz.length - 12);
    assertThatThrownBy(() -> read(gzCut, TestFiles.idxLabels(new byte[3])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> read(Arrays.copyOf(images, 10), TestFiles.idxLabels(new byte[3])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("header");
    assertThatThrownBy(() -> read(new byte[0], TestFiles.idxLabels(new byte[3])))
        .isInstanceOf(DatasetFormatException.class);
  }

  @Test
  void hugeHeaderOfASmallFileFailsWithoutAllocating() {
    byte[] images = TestFiles.idxImages(100_000, 100, 100, new byte[50]);
    byte[] labels = TestFiles.idxLabels(new byte[0]);
    labels[4] = 0;
    labels[5] = 1;
    labels[6] = (byte) 0x86;
    labels[7] = (byte) 0xA0; // 100,000 labels
    assertThatThrownBy(() -> read(images, labels))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void badMagicNamesTheProblem() {
    byte[] images = TestFiles.idxImages(1, 1, 1, new byte[1]);
    byte[] labels = TestFiles.idxLabels(new byte[1]);
    assertThatThrownBy(() -> read(labels, images))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("not an IDX image file")
        .hasMessageContaining("0x00000801")
        .hasMessageContaining("label file");
    byte[] other = images.clone();
    other[2] = 0x0D; // float data
    assertThatThrownBy(() -> read(other, labels))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("0x00000d03");
  }

  @Test
  void countsMustMatch() {
    byte[] images = TestFiles.idxImages(2, 1, 1, new byte[2]);
    assertThatThrownBy(() -> read(images, TestFiles.idxLabels(new byte[3])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("2 images")
        .hasMessageContaining("3 labels");
  }

  @Test
  void labelsMustBeClasses() {
    byte[] images = TestFiles.idxImages(2, 1, 1, new byte[2]);
    assertThatThrownBy(() -> read(images, TestFiles.idxLabels(new byte[] {3, 10})))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("label 10 of image 1");
  }

  @Test
  void extraBytesAreRejected() {
    byte[] images = TestFiles.idxImages(1, 1, 1, new byte[] {1, 2}); // 1 byte promised, 2 follow
    assertThatThrownBy(() -> read(images, TestFiles.idxLabels(new byte[1])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("more data");
  }

  @Test
  void implausibleDimensionsAreRejected() {
    byte[] images = TestFiles.idxImages(1, 0, 5, new byte[0]);
    assertThatThrownBy(() -> read(images, TestFiles.idxLabels(new byte[1])))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("rows 0");
  }

  @Test
  void missingFileIsNotFound() {
    assertThatThrownBy(() -> IdxDataset.read(dir, "train", Datasets.MNIST_CLASSES))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("train-images-idx3-ubyte.gz");
  }

  /** The real Fashion-MNIST files of Debian's dataset-fashion-mnist package. */
  @Test
  void realFashionMnistHeaders() throws IOException {
    Path real = Path.of("/usr/share/datasets/fashion-mnist");
    Assumptions.assumeTrue(
        Files.isDirectory(real),
        "SKIPPED: " + real + " is missing (apt-get install dataset-fashion-mnist)");
    assertThat(header(real.resolve("train-images-idx3-ubyte.gz"), 4))
        .containsExactly(0x803, 60_000, 28, 28);
    assertThat(header(real.resolve("train-labels-idx1-ubyte.gz"), 2))
        .containsExactly(0x801, 60_000);
    assertThat(header(real.resolve("t10k-images-idx3-ubyte.gz"), 4))
        .containsExactly(0x803, 10_000, 28, 28);
    assertThat(header(real.resolve("t10k-labels-idx1-ubyte.gz"), 2)).containsExactly(0x801, 10_000);
    ImageDataset test = IdxDataset.read(real, "t10k", Datasets.FASHION_MNIST_CLASSES);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.classCounts()).containsOnly(1000);
    assertThat(test.classes()).hasSize(10).startsWith("T-shirt/top").endsWith("Ankle boot");
    assertThat(test.label(0)).isEqualTo(9); // the first test image is an ankle boot
  }

  private static int[] header(Path gz, int ints) throws IOException {
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz));
        DataInputStream data = new DataInputStream(in)) {
      int[] h = new int[ints];
      for (int i = 0; i < ints; i++) {
        h[i] = data.readInt();
      }
      return h;
    }
  }
}
