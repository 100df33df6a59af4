package io.densefractal.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A batch ready for the engine.
 *
 * @param images {@code count × channels × height × width} floats (NCHW)
 * @param labels {@code count} class indices
 * @param count images in the batch
 */
public record Batch(float[] images, int[] labels, int count, int channels, int height, int width) {
  public Batch {
    Objects.requireNonNull(images, "images");
    Objects.requireNonNull(labels, "labels");
    if (count < 0 || channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "invalid batch shape " + count + "x" + channels + "x" + height + "x" + width);
    }
    if (labels.length < count || images.length < (long) count * channels * height * width) {
      throw new IllegalArgumentException(
          "a batch of "
              + count
              + " needs "
              + (long) count * channels * height * width
              + " floats and "
              + count
              + " labels, got "
              + images.length
              + " and "
              + labels.length);
    }
  }

  // Value semantics (the same images and labels), so reproducibility can be checked with equals.
  @Override
  public boolean equals(Object o) {
    return o instanceof Batch b
        && count == b.count
        && channels == b.channels
        && height == b.height
        && width == b.width
        && Arrays.equals(images, b.images)
        && Arrays.equals(labels, b.labels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        count, channels, height, width, Arrays.hashCode(images), Arrays.hashCode(labels));
  }

  @Override
  public String toString() {
    return "Batch[" + count + "x" + channels + "x" + height + "x" + width + "]";
  }
}
