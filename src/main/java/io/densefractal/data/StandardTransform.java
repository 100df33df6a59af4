package io.densefractal.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The transform a {@link TransformSpec} describes, as one pass over the output pixels: the crop,
 * padding and flip only decide which source pixel (or zero) each output pixel reads.
 */
final class StandardTransform implements Transform {
  private final TransformSpec spec;
  private final boolean train;
  private final int size;
  private final int channels;
  // lut[c][v] = (v / 255 − mean[c]) / std[c] in float, the same operations as ToTensor +
  // Normalize, so the values equal torchvision's bit for bit; lut[c][0] is also the padding value.
  private final float[][] lut;

  StandardTransform(TransformSpec spec, boolean train) {
    this.spec = spec;
    this.train = train;
    this.size = spec.size();
    this.channels = spec.channels();
    float[] mean = spec.mean();
    float[] std = spec.std();
    this.lut = new float[channels][256];
    for (int c = 0; c < channels; c++) {
      for (int v = 0; v < 256; v++) {
        lut[c][v] = (v / 255f - mean[c]) / std[c];
      }
    }
  }

  @Override
  public int channels() {
    return channels;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void apply(Image in, SplittableRandom rng, float[] out, int offset) {
    Image img = matchChannels(in);
    if (spec.resize() > 0) {
      img = Resize.shorterSide(img, spec.resize());
    }
    int h = img.height();
    int w = img.width();
    // Source pixel of output (y, x) is (top + y, left + x'); outside the image reads zero.
    int top;
    int left;
    if (spec.resize() > 0 && train) {
      top = rng.nextInt(h - size + 1);
      left = rng.nextInt(w - size + 1);
    } else {
      top = centreOffset(h, size);
      left = centreOffset(w, size);
      int p = spec.padding();
      if (train && p > 0) {
        // RandomCrop(size, padding) of the centred image: offsets uniform in [0, 2p].
        top += rng.nextInt(2 * p + 1) - p;
        left += rng.nextInt(2 * p + 1) - p;
      }
    }
    boolean flip = train && spec.horizontalFlip() && rng.nextBoolean();
    write(img, top, left, flip, out, offset);
  }

  private void write(Image img, int top, int left, boolean flip, float[] out, int offset) {
    int h = img.height();
    int w = img.width();
    byte[] px = img.pixels();
    int plane = h * w;
    for (int c = 0; c < channels; c++) {
      float[] table = lut[c];
      float pad = table[0];
      int src = img.channels() == 1 ? 0 : c * plane;
      for (int y = 0; y < size; y++) {
        int sy = top + y;
        int base = offset + (c * size + y) * size;
        if (sy < 0 || sy >= h) {
          Arrays.fill(out, base, base + size, pad);
          continue;
        }
        int row = src + sy * w;
        for (int x = 0; x < size; x++) {
          int sx = left + (flip ? size - 1 - x : x);
          out[base + x] = sx < 0 || sx >= w ? pad : table[px[row + sx] & 0xFF];
        }
      }
    }
  }

  /**
   * Offset of a centred window of {@code size} in {@code length}: torchvision's CenterCrop rounds
   * half to even when cropping and pads {@code floor((size − length) / 2)} before when padding.
   */
  static int centreOffset(int length, int size) {
    return length >= size ? (int) Math.rint((length - size) / 2.0) : -((size - length) / 2);
  }

  private Image matchChannels(Image in) {
    if (in.channels() == channels || (in.channels() == 1 && channels == 3)) {
      return in; // grey into RGB is handled by reading plane 0 for every channel
    }
    if (in.channels() == 3 && channels == 1) {
      return luma(in);
    }
    throw new DatasetFormatException(
        "an image with "
            + in.channels()
            + " channels cannot become "
            + channels
            + "-channel input; only 1 and 3 channels are supported");
  }

  /** PIL's convert("L"): L = R·299/1000 + G·587/1000 + B·114/1000, rounded. */
  private static Image luma(Image in) {
    int plane = in.height() * in.width();
    byte[] px = in.pixels();
    byte[] grey = new byte[plane];
    for (int i = 0; i < plane; i++) {
      int r = px[i] & 0xFF;
      int g = px[plane + i] & 0xFF;
      int b = px[2 * plane + i] & 0xFF;
      grey[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
    }
    return new Image(1, in.height(), in.width(), grey);
  }

  @Override
  public String toString() {
    return (train ? "train" : "eval") + " transform of " + spec;
  }
}
