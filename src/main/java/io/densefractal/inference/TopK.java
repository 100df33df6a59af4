package io.densefractal.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Softmax and the k most probable classes of each row of a logits batch. */
public final class TopK {
  private TopK() {}

  /** Row-wise softmax of (n, classes) logits, computed in double and stored as float. */
  public static float[] softmax(float[] logits, int classes) {
    if (classes < 1 || logits.length % classes != 0) {
      throw new IllegalArgumentException(
          logits.length + " logits do not split into rows of " + classes + " classes");
    }
    float[] p = new float[logits.length];
    for (int row = 0; row < logits.length; row += classes) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[row + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[row + c] - max);
      }
      for (int c = 0; c < classes; c++) {
        p[row + c] = (float) (Math.exp(logits[row + c] - max) / sum);
      }
    }
    return p;
  }

  /**
   * The {@code k} most probable classes of every row, most probable first (ties keep class
   * order).
   */
  public static List<List<ClassScore>> of(float[] logits, List<String> classNames, int k) {
    int classes = classNames.size();
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, got " + k);
    }
    float[] p = softmax(logits, classes);
    List<List<ClassScore>> rows = new ArrayList<>();
    for (int row = 0; row < p.length; row += classes) {
      final int base = row;
      Integer[] order = new Integer[classes];
      Arrays.setAll(order, i -> i);
      Arrays.sort(order, (a, b) -> Float.compare(p[base + b], p[base + a]));
      List<ClassScore> top = new ArrayList<>();
      for (int j = 0; j < Math.min(k, classes); j++) {
        int c = order[j];
        top.add(new ClassScore(c, classNames.get(c), p[base + c]));
      }
      rows.add(List.copyOf(top));
    }
    return List.copyOf(rows);
  }
}
