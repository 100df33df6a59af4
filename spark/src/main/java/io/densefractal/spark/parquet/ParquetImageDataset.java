package io.densefractal.spark.parquet;

import io.densefractal.data.Image;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.ImageFiles;
import java.util.List;

/**
 * The rows of a {@link ParquetImageTable} as a dataset: images decoded as RGB when read, as an
 * image folder's files are, so a table and the folder it was written from train alike.
 */
final class ParquetImageDataset implements ImageDataset {
  private final String source;
  private final List<byte[]> images;
  private final int[] labels;
  private final List<String> classes;

  /**
   * @param labels each row's class index into {@code classes}
   */
  ParquetImageDataset(String source, List<byte[]> images, int[] labels, List<String> classes) {
    if (images.size() != labels.length) {
      throw new IllegalArgumentException("one label per image");
    }
    this.source = source;
    this.images = images;
    this.labels = labels;
    this.classes = List.copyOf(classes);
  }

  @Override
  public int size() {
    return images.size();
  }

  @Override
  public Image image(int index) {
    return ImageFiles.read(
        images.get(index), "row " + index + " of " + source, 3, ImageFiles.MAX_PIXELS);
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public String toString() {
    return "ParquetImageDataset["
        + source
        + ", "
        + images.size()
        + " images, "
        + classes.size()
        + " classes]";
  }
}
