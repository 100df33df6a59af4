package io.densefractal.bench;

import io.densefractal.data.TransformSpec;
import io.densefractal.inference.ImageClassifier;
import java.util.Arrays;
import java.util.Random;

/**
 * Times eval-mode forwards of any {@link ImageClassifier} (ONNX Runtime included) on random
 * normal images, as {@link StepBenchmark} does for libtorch blocks: untimed warm-up steps, then
 * the median of the timed ones, and the process's peak RSS.
 */
public final class ClassifierBenchmark {
  private ClassifierBenchmark() {}

  /**
   * @param column null for the whole network, else the column the classifier runs
   */
  public static BenchResult run(
      ImageClassifier classifier, int batch, int warmup, int iters, Integer column, int threads) {
    TransformSpec t = classifier.transforms();
    BenchConfig config =
        new BenchConfig(
            classifier.name(),
            "infer",
            batch,
            t.size(),
            classifier.classes().size(),
            t.channels(),
            warmup,
            iters,
            false,
            0,
            false,
            column,
            io.densefractal.models.MemoryFormat.AUTO,
            false);
    float[] x = new float[batch * t.channels() * t.size() * t.size()];
    Random random = new Random(0);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    double[] ms = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      long t0 = System.nanoTime();
      classifier.logits(x, batch, column);
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new BenchResult(
        config,
        threads > 0 ? threads : Runtime.getRuntime().availableProcessors(),
        median,
        sorted[0],
        sorted[n - 1],
        batch * 1000.0 / median,
        StepBenchmark.peakRssMb(),
        null);
  }
}
