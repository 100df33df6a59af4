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
import java.util.List;

/** Eval-mode pass over a dataset: loss, top-1, top-5 and the confusion matrix. */
public final class Evaluator {
  private Evaluator() {}

  /**
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
    int k = classes.size();
    long[][] confusion = new long[k][k];
    double lossSum = 0;
    long top5 = 0;
    long n = 0;
    ParameterStore ps = new ParameterStore(manager, false);
    int[] order = new int[data.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    try (BatchLoader loader = new BatchLoader(data, transform, order, batchSize, 0)) {
      while (loader.hasNext()) {
        Batch b = loader.next();
        try (NDManager scope = manager.newSubManager()) {
          NDArray x = Batches.images(b, scope);
          NDArray logits = runner.forward(ps, new NDList(x), false).singletonOrThrow();
          NDArray logp = logits.logSoftmax(1);
          float[] lp = logp.toFloatArray();
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
