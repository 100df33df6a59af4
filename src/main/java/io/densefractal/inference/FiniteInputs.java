package io.densefractal.inference;

import io.densefractal.DenseFractalException;
import java.util.Locale;

/**
 * The policy for NaN and infinite values in input images: refused, never passed on. A NaN pixel
 * turns every logit of its image into NaN (and, through BatchNorm statistics, a whole batch), so a
 * result computed from one is garbage; every entry point that takes float images calls this.
 */
public final class FiniteInputs {
  private FiniteInputs() {}

  /**
   * @param name how the message names the input (a file, a request)
   * @throws DenseFractalException naming the count and the first position of non-finite values
   */
  public static void check(float[] values, String name) {
    long bad = 0;
    long first = -1;
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        if (bad++ == 0) {
          first = i;
        }
      }
    }
    if (bad > 0) {
      throw new DenseFractalException(
          String.format(
              Locale.ROOT,
              "%s holds %d NaN or infinite value(s) (the first at flat index %d, value %s);"
                  + " images must be finite: fix or drop them",
              name,
              bad,
              first,
              values[(int) first]));
    }
  }
}
