package io.densefractal.data;

import java.util.SplittableRandom;

/** Seeded Fisher–Yates shuffles: the one algorithm behind data order and class subsets. */
public final class Shuffle {
  private Shuffle() {}

  /** A seeded random permutation of 0..n-1. */
  public static int[] permutation(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    inPlace(order, new SplittableRandom(seed));
    return order;
  }

  /** Shuffles {@code a} in place, drawing from {@code rng} (last position first). */
  public static void inPlace(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
