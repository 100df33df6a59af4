package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Transform;
import java.util.Arrays;
import java.util.List;

/** Eval-mode pass over a dataset: loss, top-1, top-5 and the confusion matrix. */
public final class Evaluator {
  private Evaluator() {}

  /** Log-probabilities (count, classes), row-major, of one prepared batch. */
  @FunctionalInterface
  public interface Scorer {
    float[] logProbabilities(Batch batch);
  }

  /**
   * libtorch: each batch in its own memory scope, log-softmax on the engine.
   *
   * @param runner the network (or one of its columns) in eval mode
   * @param manager parent manager for the per-batch scopes
   */
  public static EvalResult evaluate(
      Block runner,
      ImageDataset data,
      Transform transform,
      int batchSize,
      List<String> classes,
      NDManager manager) {
    ParameterStore ps = new ParameterStore(manager, false);
    Scorer scorer =
        b -> {
          try (NDManager scope = manager.newSubManager()) {
            NDArray x = Batches.images(b, scope);
            NDArray logits = runner.forward(ps, new NDList(x), false).singletonOrThrow();
            return logits.logSoftmax(1).toFloatArray();
          }
        };
    return evaluate(scorer, data, transform, batchSize, classes);
  }

  /** Any engine: {@code logits} maps (n, C, H, W) images to (n, classes) logits. */
  public static EvalResult evaluate(
      LogitsFunction logits,
      ImageDataset data,
      Transform transform,
      int batchSize,
      List<String> classes) {
    int k = classes.size();
    Scorer scorer =
        b -> {
          int values = b.count() * b.channels() * b.height() * b.width();
          float[] x =
              b.images().length == values ? b.images() : Arrays.copyOf(b.images(), values);
          return logSoftmax(logits.logits(x, b.count()), k);
        };
    return evaluate(scorer, data, transform, batchSize, classes);
  }

  /** Logits of {@code n} images laid out as (n, C, H, W) floats. */
  @FunctionalInterface
  public interface LogitsFunction {
    float[] logits(float[] images, int n);
  }

  /** Row-wise log-softmax of (n, classes) logits, in double, stored as float. */
  public static float[] logSoftmax(float[] logits, int classes) {
    float[] out = new float[logits.length];
    for (int row = 0; row < logits.length; row += classes) {
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < classes; c++) {
        max = Math.max(max, logits[row + c]);
      }
      double sum = 0;
      for (int c = 0; c < classes; c++) {
        sum += Math.exp(logits[row + c] - max);
      }
      double log = max + Math.log(sum);
      for (int c = 0; c < classes; c++) {
        out[row + c] = (float) (logits[row + c] - log);
      }
    }
    return out;
  }

  /** The one evaluation loop: loss, top-1, top-5 and the confusion matrix from the scores. */
  public static EvalResult evaluate(
      Scorer scorer, ImageDataset data, Transform transform, int batchSize, List<String> classes) {
    int k = classes.size();
    long[][] confusion = new long[k][k];
    double lossSum = 0;
    long top5 = 0;
    long n = 0;
    int[] order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    try (BatchLoader loader = new BatchLoader(data, transform, order, batchSize, 0)) {
      while (loader.hasNext()) {
        Batch b = loader.next();
        float[] lp = scorer.logProbabilities(b);
        for (int i = 0; i < b.count(); i++) {
          int label = b.labels()[i];
          int offset = i * k;
          lossSum -= lp[offset + label];
          int predicted = 0;
          int above = 0; // classes scored above the label
          for (int c = 0; c < k; c++) {
            if (lp[offset + c] > lp[offset + predicted]) {
              predicted = c;
            }
            if (lp[offset + c] > lp[offset + label]) {
              above++;
            }
          }
          confusion[label][predicted]++;
          if (above < 5) {
            top5++;
          }
        }
        n += b.count();
      }
    }
    long correct = 0;
    for (int c = 0; c < k; c++) {
      correct += confusion[c][c];
    }
    return new EvalResult(
        n == 0 ? Double.NaN : lossSum / n,
        n == 0 ? Double.NaN : (double) correct / n,
        n == 0 ? Double.NaN : (double) top5 / n,
        confusion,
        classes);
  }
}
