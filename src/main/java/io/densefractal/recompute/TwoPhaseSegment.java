package io.densefractal.recompute;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * An appending segment in two phases, as torchvision's {@code memory_efficient} DenseNet splits a
 * dense layer: the first phase (concatenation, BN, ReLU, 1×1 conv) is cheap to recompute but its
 * input is large, so it is recomputed; the second (BN, ReLU, 3×3 conv on 4k channels) keeps its
 * graph, so its work is not done twice.
 */
public interface TwoPhaseSegment extends AppendingSegment {
  /** The recomputed phase: state → intermediate. */
  NDArray first(ParameterStore parameterStore, NDList state, boolean training);

  /** The stored phase: intermediate → appended array. */
  NDArray second(ParameterStore parameterStore, NDArray intermediate, boolean training);

  @Override
  default NDArray compute(ParameterStore parameterStore, NDList state, boolean training) {
    return second(parameterStore, first(parameterStore, state, training), training);
  }
}
