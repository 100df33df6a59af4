package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;

/**
 * A classification network that can stop before its head: its last feature map, the one global
 * average pooling reads (Keras' {@code include_top=False}). See {@link Features} for the block
 * that runs it, pooled or not.
 */
public interface FeatureNetwork {
  /** The eval-mode last feature map (N, D, h, w) of {@code x}. */
  NDArray features(ParameterStore ps, NDArray x);

  /** D: channels of the last feature map, the length of the pooled embedding. */
  int featureChannels();
}
