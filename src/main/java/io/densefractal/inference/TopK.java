package io.densefractal.inference;

import io.densefractal.train.Evaluator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Softmax and the k most probable classes of each row of a logits batch. */
public final class TopK {
  private TopK() {}

  /** Row-wise softmax of (n, classes) logits: the exponent of {@link Evaluator#logSoftmax}. */
  public static float[] softmax(float[] logits, int classes) {
    if (classes < 1 || logits.length % classes != 0) {
      throw new IllegalArgumentException(
          logits.length + " logits do not split into rows of " + classes + " classes");
    }
    // One row-wise normalisation for evaluation and prediction (in double, see Evaluator).
    float[] p = Evaluator.logSoftmax(logits, classes);
    for (int i = 0; i < p.length; i++) {
      p[i] = (float) Math.exp(p[i]);
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
