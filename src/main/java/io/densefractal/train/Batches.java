package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.densefractal.data.Batch;
import java.nio.FloatBuffer;

/** Moves prepared batches onto the engine, and scores the predictions made for them. */
public final class Batches {
  private Batches() {}

  /** The batch's images as an (N, C, H, W) float32 array in {@code manager}. */
  public static NDArray images(Batch b, NDManager manager) {
    Shape shape = new Shape(b.count(), b.channels(), b.height(), b.width());
    return manager.create(FloatBuffer.wrap(b.images(), 0, (int) shape.size()), shape);
  }

  /** One-hot targets with label smoothing ε: (1 − ε) on the label plus ε / K everywhere. */
  public static NDArray targets(Batch b, int numClasses, double smoothing, NDManager manager) {
    float[] t = new float[b.count() * numClasses];
    float off = (float) (smoothing / numClasses);
    java.util.Arrays.fill(t, off);
    for (int i = 0; i < b.count(); i++) {
      t[i * numClasses + b.labels()[i]] += (float) (1 - smoothing);
    }
    return manager.create(t, new Shape(b.count(), numClasses));
  }

  /** How many of the batch's images the logits (N, K) rank first correctly. */
  public static int correct(NDArray logits, Batch b) {
    long[] predicted = logits.argMax(1).toLongArray();
    int correct = 0;
    for (int i = 0; i < b.count(); i++) {
      if (predicted[i] == b.labels()[i]) {
        correct++;
      }
    }
    return correct;
  }
}
