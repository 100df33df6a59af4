package io.densefractal.spark;

import java.io.Serializable;

/**
 * What each partition does with its rows.
 *
 * @param model the model to run
 * @param batch images per forward call
 * @param top classes kept per image, 0 for no top-k columns (embeddings only)
 * @param column a FractalNet column, or null for the whole network
 * @param embed also write each image's embedding (the pooled features the head reads)
 */
public record PredictOptions(JobModel model, int batch, int top, Integer column, boolean embed)
    implements Serializable {
  public PredictOptions {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, got " + batch);
    }
    if (top < 0 || (top == 0 && !embed)) {
      throw new IllegalArgumentException(
          "top must be at least 1 (or 0 with embeddings), got " + top);
    }
  }
}
