package io.densefractal.train;

import java.util.List;

/**
 * Test-set results.
 *
 * @param loss mean cross-entropy
 * @param top1 fraction of images whose top prediction is right
 * @param top5 fraction whose label is among the 5 top predictions (all of them with ≤ 5 classes)
 * @param confusion counts, row = true class, column = predicted class
 * @param classes class names, label order
 */
public record EvalResult(
    double loss, double top1, double top5, long[][] confusion, List<String> classes) {

  /** Images evaluated. */
  public long count() {
    long n = 0;
    for (long[] row : confusion) {
      for (long c : row) {
        n += c;
      }
    }
    return n;
  }

  /** Accuracy of each class (NaN for a class with no test image). */
  public double[] perClassAccuracy() {
    double[] acc = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long total = 0;
      for (long v : confusion[c]) {
        total += v;
      }
      acc[c] = total == 0 ? Double.NaN : (double) confusion[c][c] / total;
    }
    return acc;
  }
}
