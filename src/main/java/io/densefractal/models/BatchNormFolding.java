package io.densefractal.models;

/**
 * A model whose convolution + BatchNorm pairs can be folded for inference (see {@link ConvBn}).
 * Eval-mode logits stay equal to the unfolded model's up to float rounding.
 */
public interface BatchNormFolding {
  /** Folds every pair using the current parameters; call after loading weights. */
  void foldBatchNorm();
}
