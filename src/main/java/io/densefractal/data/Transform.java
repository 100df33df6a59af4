package io.densefractal.data;

import java.util.SplittableRandom;

/** Turns an {@link Image} into normalised network input. Implementations are thread-safe. */
public interface Transform {
  /**
   * Writes {@code channels() × size() × size()} floats (CHW) for {@code in} at {@code
   * out[offset…]}; all randomness comes from {@code rng}.
   */
  void apply(Image in, SplittableRandom rng, float[] out, int offset);

  int channels();

  /** Output height = width. */
  int size();
}
