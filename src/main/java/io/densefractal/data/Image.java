package io.densefractal.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One image: unsigned bytes, channel-major (C×H×W).
 *
 * <p>The pixel array is not copied (datasets hand out fresh arrays, and copying every image twice
 * would cost time per batch); do not change it after handing it over.
 *
 * @param channels 1 (grey) or 3 (RGB)
 * @param height rows
 * @param width columns
 * @param pixels {@code channels × height × width} bytes, read as 0–255
 */
public record Image(int channels, int height, int width, byte[] pixels) {
  public Image {
    Objects.requireNonNull(pixels, "pixels");
    if (channels < 1 || height < 1 || width < 1) {
      throw new IllegalArgumentException(
          "image dimensions must be >= 1, got " + channels + "x" + height + "x" + width);
    }
    long expected = (long) channels * height * width;
    if (expected != pixels.length) {
      throw new IllegalArgumentException(
          "an image of "
              + channels
              + "x"
              + height
              + "x"
              + width
              + " needs "
              + expected
              + " bytes, got "
              + pixels.length);
    }
  }

  /** Pixel value 0–255 of channel c at (y, x). */
  public int at(int c, int y, int x) {
    return pixels[(c * height + y) * width + x] & 0xFF;
  }

  // Value semantics: two images are equal when their shapes and pixels are.
  @Override
  public boolean equals(Object o) {
    return o instanceof Image other
        && channels == other.channels
        && height == other.height
        && width == other.width
        && Arrays.equals(pixels, other.pixels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(channels, height, width, Arrays.hashCode(pixels));
  }

  @Override
  public String toString() {
    return "Image[" + channels + "x" + height + "x" + width + "]";
  }
}
