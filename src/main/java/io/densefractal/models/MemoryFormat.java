package io.densefractal.models;

import ai.djl.ndarray.NDArray;

/**
 * How a network lays out its 4-D activations in memory for inference. The values are the same
 * either way; the speed is not: libtorch's CPU kernels for channels-last (NHWC) arrays are
 * vectorised where some NCHW ones are not (BatchNorm's batch statistics are a scalar loop per
 * channel in NCHW), and oneDNN's convolutions prefer it: faster batched inference for every family
 * here, slower single-image ResNet-50 inference (measured in docs/BENCHMARKS.md, "Channels-last
 * activations").
 *
 * <p>A network converts its input on entry; convolutions, BatchNorm, ReLU, pooling and channel
 * concatenation keep the layout of their input, so the whole forward pass runs in it. Parameters
 * keep their usual layout, so weight files are unaffected.
 *
 * <p>Training runs NCHW unless {@link #CHANNELS_LAST} is chosen explicitly: channels-last training
 * steps are faster (docs/BENCHMARKS.md), but libtorch 2.7.1's channels-last BatchNorm backward
 * accumulates its per-channel sums in float (the NCHW kernel in double), so its gradients lose
 * precision in proportion to the mean of the incoming gradient: ResNet-20's first-stage gradients
 * came out 0.3–2 % off NCHW and PyTorch, beyond the project's parity tolerance (PyTorch's own
 * channels_last training has the same kernels). So it is an opt-in, never the default.
 */
public enum MemoryFormat {
  /**
   * Channels-last for inference on more than one image, NCHW otherwise (the measured best for
   * inference; training stays NCHW, parity-exact).
   */
  AUTO,
  /** PyTorch's default NCHW layout. */
  CONTIGUOUS,
  /**
   * NHWC in memory, NCHW in shape (PyTorch's {@code torch.channels_last}), for all inference and
   * for training (faster; gradients at the precision of the channels-last BatchNorm backward).
   */
  CHANNELS_LAST;

  /** {@code x} in this layout (the same array when nothing is to change). */
  public NDArray apply(NDArray x, boolean training) {
    if (x.getShape().dimension() != 4) {
      return x;
    }
    boolean channelsLast =
        switch (this) {
          case CONTIGUOUS -> false;
          case CHANNELS_LAST -> true;
          case AUTO -> !training && x.getShape().get(0) > 1;
        };
    return channelsLast ? channelsLast(x) : x;
  }

  /**
   * An array equal to the 4-D {@code x} whose memory runs over channels fastest. DJL has no
   * memory-format argument, so this is libtorch's own recipe spelled out: view as NHWC, copy into
   * that order (flattening a permuted view copies; reshaping it to its own shape would not), view
   * back as NCHW. On an array that is already channels-last every step is a view: no copy.
   */
  public static NDArray channelsLast(NDArray x) {
    long[] s = x.getShape().getShape();
    return x.transpose(0, 2, 3, 1).flatten().reshape(s[0], s[2], s[3], s[1]).transpose(0, 3, 1, 2);
  }
}
