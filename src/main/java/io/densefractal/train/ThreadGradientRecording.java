package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records the autograd graph of the calling thread's operations while open, then back-propagates
 * a loss into the parameters' gradients: what DJL's {@code GradientCollector} does, without its
 * one-collector-per-process claim. libtorch's grad mode belongs to a thread, so replicas stepping
 * on two threads of one process (embedded Spark workers) each record their own graph; DJL's
 * collector would refuse the second.
 */
public final class ThreadGradientRecording implements AutoCloseable {
  private final boolean previous;

  private ThreadGradientRecording() {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
  }

  /** Starts recording on this thread. */
  public static ThreadGradientRecording open() {
    return new ThreadGradientRecording();
  }

  /** Adds the gradient of the scalar {@code loss} to every tensor it depends on that wants one. */
  public void backward(NDArray loss) {
    try (NDArray seed = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
    }
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
