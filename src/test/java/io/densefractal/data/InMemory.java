package io.densefractal.data;

import java.util.ArrayList;
import java.util.List;

/** Small in-memory datasets for the tests: image i is 1×2×2 with every pixel i mod 256. */
final class InMemory {
  private InMemory() {}

  /** A dataset whose labels are given; {@code classes} class names "c0", "c1", .... */
  static ImageDataset withLabels(int[] labels, int classes) {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      names.add("c" + c);
    }
    byte[] px = new byte[labels.length * 4];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (i / 4);
    }
    return new InMemoryDataset(1, 2, 2, px, labels.clone(), names, "test data");
  }

  /** {@code perClass[c]} images of class c, classes interleaved. */
  static ImageDataset balanced(int... perClass) {
    List<Integer> labels = new ArrayList<>();
    int[] left = perClass.clone();
    boolean any = true;
    while (any) {
      any = false;
      for (int c = 0; c < left.length; c++) {
        if (left[c] > 0) {
          labels.add(c);
          left[c]--;
          any = true;
        }
      }
    }
    return withLabels(labels.stream().mapToInt(Integer::intValue).toArray(), perClass.length);
  }
}
