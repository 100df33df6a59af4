package io.densefractal.data;

import io.densefractal.DenseFractalException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Subsets of a dataset that keep its class balance; views, no image is copied. */
public final class Subsets {
  private Subsets() {}

  /**
   * A seeded subset of at most {@code n} images, as equal per class as the classes allow (classes
   * with fewer images give all of theirs; the lower labels get the remainder), in the original
   * order; the dataset itself if {@code n >= size}.
   */
  public static ImageDataset stratified(ImageDataset d, int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("a subset needs at least one image, got n = " + n);
    }
    if (n >= d.size()) {
      return d;
    }
    int[][] byClass = shuffledByClass(d, seed);
    int k = byClass.length;
    int[] quota = new int[k];
    // Water-filling: hand out one image per class per round until n are taken.
    int given = 0;
    while (given < n) {
      for (int c = 0; c < k && given < n; c++) {
        if (quota[c] < byClass[c].length) {
          quota[c]++;
          given++;
        }
      }
    }
    int[] picked = new int[n];
    int count = 0;
    for (int c = 0; c < k; c++) {
      System.arraycopy(byClass[c], 0, picked, count, quota[c]);
      count += quota[c];
    }
    Arrays.sort(picked);
    return of(d, picked);
  }

  /**
   * A seeded stratified split into {train, held-out}: {@code fraction} of each class (rounded) is
   * held out, but each class keeps at least one training image. Both keep the original order.
   *
   * @throws DenseFractalException when the fraction is not in (0, 1) or holds out no image
   */
  public static ImageDataset[] split(ImageDataset d, double fraction, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new DenseFractalException(
          "the validation fraction must be between 0 and 1 (exclusive), got " + fraction);
    }
    int[][] byClass = shuffledByClass(d, seed);
    int[] train = new int[d.size()];
    int[] held = new int[d.size()];
    int nTrain = 0;
    int nHeld = 0;
    for (int[] members : byClass) {
      int out = (int) Math.min(Math.round(members.length * fraction), members.length - 1L);
      out = Math.max(out, 0);
      System.arraycopy(members, 0, held, nHeld, out);
      nHeld += out;
      System.arraycopy(members, out, train, nTrain, members.length - out);
      nTrain += members.length - out;
    }
    if (nHeld == 0) {
      throw new DenseFractalException(
          "a validation fraction of "
              + fraction
              + " holds out no image of "
              + d.size()
              + "; use a larger fraction or separate train/ and val/ folders");
    }
    int[] a = Arrays.copyOf(train, nTrain);
    int[] b = Arrays.copyOf(held, nHeld);
    Arrays.sort(a);
    Arrays.sort(b);
    return new ImageDataset[] {of(d, a), of(d, b)};
  }

  /** The images of {@code d} at {@code indices}, in that order. */
  public static ImageDataset of(ImageDataset d, int[] indices) {
    int[] idx = indices.clone();
    for (int i : idx) {
      if (i < 0 || i >= d.size()) {
        throw new IndexOutOfBoundsException(
            "index " + i + " is outside the dataset of " + d.size() + " images");
      }
    }
    return new View(d, idx);
  }

  /** The indices of each class, each shuffled by one seeded generator, class by class. */
  private static int[][] shuffledByClass(ImageDataset d, long seed) {
    int[] counts = d.classCounts();
    int[][] byClass = new int[counts.length][];
    for (int c = 0; c < counts.length; c++) {
      byClass[c] = new int[counts[c]];
    }
    int[] fill = new int[counts.length];
    for (int i = 0; i < d.size(); i++) {
      int c = d.label(i);
      byClass[c][fill[c]++] = i;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (int[] members : byClass) {
      Shuffle.inPlace(members, rng);
    }
    return byClass;
  }

  /** A dataset seen through an index list. */
  private static final class View implements ImageDataset {
    private final ImageDataset base;
    private final int[] indices;

    View(ImageDataset base, int[] indices) {
      this.base = base;
      this.indices = indices;
    }

    @Override
    public int size() {
      return indices.length;
    }

    @Override
    public Image image(int index) {
      return base.image(indices[index]);
    }

    @Override
    public int label(int index) {
      return base.label(indices[index]);
    }

    @Override
    public List<String> classes() {
      return base.classes();
    }

    @Override
    public String toString() {
      return indices.length + " of " + base;
    }
  }
}
