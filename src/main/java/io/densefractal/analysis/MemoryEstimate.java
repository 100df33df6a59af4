package io.densefractal.analysis;

/**
 * Estimated bytes of one request (see {@link MemoryGuard}).
 *
 * @param weights parameters and buffers (with gradients and momentum buffers when training)
 * @param activations what the batch's forward (and backward) keeps, the input included
 * @param input the input batch alone
 */
public record MemoryEstimate(double weights, double activations, double input) {
  public double total() {
    return weights + activations;
  }
}
