package io.densefractal.data;

import java.util.Arrays;

/**
 * Bilinear resizing as PIL does it (and so torchvision's Resize on PIL images): a triangle filter
 * whose support widens with the downscale factor (antialiasing), applied horizontally then
 * vertically, each pass rounded to bytes.
 */
final class Resize {
  private Resize() {}

  /**
   * Resizes so that the shorter side is {@code target}, keeping the aspect ratio; the longer side
   * becomes {@code floor(target × long / short)}, as in torchvision.
   */
  static Image shorterSide(Image img, int target) {
    int h = img.height();
    int w = img.width();
    int shorter = Math.min(h, w);
    if (shorter == target) {
      return img;
    }
    int longer = (int) ((long) target * Math.max(h, w) / shorter);
    return h <= w ? resample(img, target, longer) : resample(img, longer, target);
  }

  /** The image resampled to {@code nh × nw}. */
  static Image resample(Image img, int nh, int nw) {
    int c = img.channels();
    int h = img.height();
    int w = img.width();
    byte[] wide = w == nw ? img.pixels() : passHorizontal(img.pixels(), c * h, w, nw);
    byte[] out = h == nh ? wide : passVertical(wide, c, h, nw, nh);
    return new Image(c, nh, nw, out);
  }

  // Rows of the channel planes are independent, so the horizontal pass treats the image as
  // (c·h) rows.
  private static byte[] passHorizontal(byte[] src, int rows, int in, int out) {
    Filter f = new Filter(in, out);
    byte[] dst = new byte[rows * out];
    for (int r = 0; r < rows; r++) {
      int s = r * in;
      int d = r * out;
      for (int x = 0; x < out; x++) {
        float sum = 0;
        int lo = f.first[x];
        int k0 = x * f.taps;
        for (int k = 0; k < f.count[x]; k++) {
          sum += (src[s + lo + k] & 0xFF) * f.weights[k0 + k];
        }
        dst[d + x] = clamp(sum);
      }
    }
    return dst;
  }

  private static byte[] passVertical(byte[] src, int c, int h, int w, int nh) {
    Filter f = new Filter(h, nh);
    byte[] dst = new byte[c * nh * w];
    float[] acc = new float[w];
    for (int ch = 0; ch < c; ch++) {
      int plane = ch * h * w;
      for (int y = 0; y < nh; y++) {
        Arrays.fill(acc, 0f);
        int lo = f.first[y];
        int k0 = y * f.taps;
        for (int k = 0; k < f.count[y]; k++) {
          float wt = f.weights[k0 + k];
          int row = plane + (lo + k) * w;
          for (int x = 0; x < w; x++) {
            acc[x] += (src[row + x] & 0xFF) * wt;
          }
        }
        int d = (ch * nh + y) * w;
        for (int x = 0; x < w; x++) {
          dst[d + x] = clamp(acc[x]);
        }
      }
    }
    return dst;
  }

  private static byte clamp(float v) {
    // floor(v + 1/2), exact in double: Math.round's result, without its slower float path
    // (a fifth of a served request's CPU went there).
    int i = (int) Math.floor(v + 0.5d);
    return (byte) (i < 0 ? 0 : Math.min(i, 255));
  }

  /** PIL's precompute_coeffs for the bilinear (triangle) filter. */
  private static final class Filter {
    final int taps;
    final int[] first;
    final int[] count;
    final float[] weights;

    Filter(int in, int out) {
      double scale = (double) in / out;
      double filterScale = Math.max(scale, 1.0);
      double support = filterScale;
      taps = (int) Math.ceil(support) * 2 + 1;
      first = new int[out];
      count = new int[out];
      weights = new float[out * taps];
      double[] w = new double[taps];
      for (int x = 0; x < out; x++) {
        double centre = (x + 0.5) * scale;
        int lo = Math.max((int) (centre - support + 0.5), 0);
        int hi = Math.min((int) (centre + support + 0.5), in);
        int n = Math.min(hi - lo, taps);
        double total = 0;
        for (int k = 0; k < n; k++) {
          double t = Math.abs((k + lo - centre + 0.5) / filterScale);
          w[k] = t < 1 ? 1 - t : 0;
          total += w[k];
        }
        for (int k = 0; k < n; k++) {
          weights[x * taps + k] = (float) (total == 0 ? 0 : w[k] / total);
        }
        first[x] = lo;
        count[x] = n;
      }
    }
  }
}
