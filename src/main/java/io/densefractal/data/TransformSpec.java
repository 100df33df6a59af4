package io.densefractal.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * How a dataset's images become network input, as torchvision's transforms do it.
 *
 * <ul>
 *   <li>Fixed-size images ({@code resize == 0}): centred zero padding up to {@code size} if smaller
 *       (a centre crop if larger); training then takes a random {@code size}² crop after {@code
 *       padding} zeros on each side (torchvision's RandomCrop(size, padding): offsets uniform in
 *       [0, 2·padding]) and flips left-right with probability ½ if {@code horizontalFlip}.
 *   <li>Any-size images ({@code resize > 0}): the shorter side is resized to {@code resize}
 *       (bilinear, antialiased), then a {@code size}² crop: random (training, plus the flip) or
 *       centred (evaluation).
 * </ul>
 *
 * Then ToTensor (÷255) and Normalize(mean, std) per channel. Zero padding happens before
 * normalising, so padded pixels become {@code −mean/std}, as RandomCrop on the image does.
 *
 * @param channels output channels (grey images are repeated into 3; RGB becomes luma for 1)
 * @param size output height = width
 * @param mean per-channel mean (length = channels)
 * @param std per-channel standard deviation (positive)
 * @param padding random-crop padding (0 = no crop for fixed-size images)
 * @param horizontalFlip flip half of the training images left-right
 * @param resize 0 for fixed-size images, else the shorter side's length before cropping
 */
public record TransformSpec(
    int channels,
    int size,
    float[] mean,
    float[] std,
    int padding,
    boolean horizontalFlip,
    int resize) {

  public TransformSpec {
    Objects.requireNonNull(mean, "mean");
    Objects.requireNonNull(std, "std");
    mean = mean.clone();
    std = std.clone();
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    if (mean.length != channels || std.length != channels) {
      throw new IllegalArgumentException(
          "mean and std need one value per channel ("
              + channels
              + "), got "
              + mean.length
              + " and "
              + std.length);
    }
    for (int c = 0; c < channels; c++) {
      if (!Float.isFinite(mean[c]) || !(std[c] > 0) || !Float.isFinite(std[c])) {
        throw new IllegalArgumentException(
            "channel "
                + c
                + ": mean must be finite and std positive, got "
                + mean[c]
                + ", "
                + std[c]);
      }
    }
    if (size < 1 || padding < 0 || resize < 0 || (resize > 0 && resize < size)) {
      throw new IllegalArgumentException(
          "invalid transform: size "
              + size
              + ", padding "
              + padding
              + ", resize "
              + resize
              + " (need size >= 1, padding >= 0, resize 0 or >= size)");
    }
  }

  /**
   * The same spec with another output size: fixed-size images are padded up (or centre-cropped) to
   * it; for any-size images the resize becomes {@code round(newSize × 8/7)} (224 → 256).
   */
  public TransformSpec withSize(int newSize) {
    if (newSize < 1) {
      throw new IllegalArgumentException("image size must be >= 1, got " + newSize);
    }
    int newResize = resize == 0 ? 0 : Math.round(newSize * 8f / 7f);
    return new TransformSpec(channels, newSize, mean, std, padding, horizontalFlip, newResize);
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  /** Augmentation (random crop, flip) + normalisation. */
  public Transform train() {
    return new StandardTransform(this, true);
  }

  /** Deterministic: (resize +) centre crop or centre padding, then normalisation. */
  public Transform eval() {
    return new StandardTransform(this, false);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TransformSpec t
        && channels == t.channels
        && size == t.size
        && Arrays.equals(mean, t.mean)
        && Arrays.equals(std, t.std)
        && padding == t.padding
        && horizontalFlip == t.horizontalFlip
        && resize == t.resize;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        channels,
        size,
        Arrays.hashCode(mean),
        Arrays.hashCode(std),
        padding,
        horizontalFlip,
        resize);
  }

  @Override
  public String toString() {
    return "TransformSpec[channels="
        + channels
        + ", size="
        + size
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", padding="
        + padding
        + ", horizontalFlip="
        + horizontalFlip
        + ", resize="
        + resize
        + "]";
  }
}
