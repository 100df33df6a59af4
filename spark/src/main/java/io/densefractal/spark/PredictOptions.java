package io.densefractal.spark;

import java.io.Serializable;

/**
 * What each partition does with its rows.
 *
 * @param model the model to run
 * @param batch images per forward call
 * @param top classes kept per image
 * @param column a FractalNet column, or null for the whole network
 */
public record PredictOptions(JobModel model, int batch, int top, Integer column)
    implements Serializable {
  public PredictOptions {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, got " + batch);
    }
    if (top < 1) {
      throw new IllegalArgumentException("top must be at least 1, got " + top);
    }
  }
}
