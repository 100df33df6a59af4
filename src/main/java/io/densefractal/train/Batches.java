package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.densefractal.data.Batch;
import java.nio.FloatBuffer;

/** Moves prepared batches onto the engine. */
final class Batches {
  private Batches() {}

  /** The batch's images as an (N, C, H, W) float32 array in {@code manager}. */
  static NDArray images(Batch b, NDManager manager) {
    Shape shape = new Shape(b.count(), b.channels(), b.height(), b.width());
    return manager.create(FloatBuffer.wrap(b.images(), 0, (int) shape.size()), shape);
  }

  /** One-hot targets with label smoothing ε: (1 − ε) on the label plus ε / K everywhere. */
  static NDArray targets(Batch b, int numClasses, double smoothing, NDManager manager) {
    float[] t = new float[b.count() * numClasses];
    float off = (float) (smoothing / numClasses);
    java.util.Arrays.fill(t, off);
    for (int i = 0; i < b.count(); i++) {
      t[i * numClasses + b.labels()[i]] += (float) (1 - smoothing);
    }
    return manager.create(t, new Shape(b.count(), numClasses));
  }
}
