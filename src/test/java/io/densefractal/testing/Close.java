package io.densefractal.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;

/** The parity metric of DESIGN.md: max|actual − expected| / max|expected|. */
public final class Close {
  private Close() {}

  public static double relativeMaxDiff(float[] actual, float[] expected) {
    assertThat(actual).hasSameSizeAs(expected);
    double maxDiff = 0;
    double maxRef = 0;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((double) actual[i] - expected[i]));
      maxRef = Math.max(maxRef, Math.abs((double) expected[i]));
    }
    return maxRef == 0 ? maxDiff : maxDiff / maxRef;
  }

  /** Asserts the relative max difference is below {@code tolerance}, naming {@code what}. */
  public static void assertClose(String what, float[] actual, float[] expected, double tolerance) {
    double rel = relativeMaxDiff(actual, expected);
    assertThat(rel)
        .as(
            String.format(
                Locale.ROOT,
                "%s: max|diff|/max|ref| = %.3g (first values %s vs %s)",
                what,
                rel,
                Arrays.toString(Arrays.copyOf(actual, Math.min(4, actual.length))),
                Arrays.toString(Arrays.copyOf(expected, Math.min(4, expected.length)))))
        .isLessThan(tolerance);
  }
}
