package io.densefractal.data;

import java.util.Arrays;
import java.util.List;

/** Equal-sized images held as one byte array (IDX and CIFAR files are small enough for memory). */
final class InMemoryDataset implements ImageDataset {
  private final int channels;
  private final int height;
  private final int width;
  private final byte[] pixels;
  private final int[] labels;
  private final List<String> classes;

  /**
   * @param source what the data came from, for the message about a bad label
   * @throws DatasetFormatException when a label is not a class index
   */
  InMemoryDataset(
      int channels,
      int height,
      int width,
      byte[] pixels,
      int[] labels,
      List<String> classes,
      String source) {
    if ((long) channels * height * width * labels.length != pixels.length) {
      throw new IllegalArgumentException("pixel bytes do not match the image count");
    }
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= classes.size()) {
        throw new DatasetFormatException(
            source
                + ": label "
                + labels[i]
                + " of image "
                + i
                + " is not one of the "
                + classes.size()
                + " classes (0.."
                + (classes.size() - 1)
                + "); the file is damaged or belongs to another dataset");
      }
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.pixels = pixels;
    this.labels = labels;
    this.classes = List.copyOf(classes);
  }

  @Override
  public int size() {
    return labels.length;
  }

  @Override
  public Image image(int index) {
    int n = channels * height * width;
    int from = Math.multiplyExact(index, n);
    return new Image(channels, height, width, Arrays.copyOfRange(pixels, from, from + n));
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public List<String> classes() {
    return classes;
  }
}
