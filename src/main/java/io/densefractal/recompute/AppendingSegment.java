package io.densefractal.recompute;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * A segment that keeps its whole state and appends one new array to it — a dense layer adding its k
 * channels. Knowing this lets the recomputation pass the state's gradients straight through instead
 * of back-propagating through the identity.
 */
@FunctionalInterface
public interface AppendingSegment extends Segment {
  /** The array this segment appends. */
  NDArray compute(ParameterStore parameterStore, NDList state, boolean training);

  @Override
  default NDList forward(ParameterStore parameterStore, NDList state, boolean training) {
    NDList next = new NDList(state);
    next.add(compute(parameterStore, state, training));
    return next;
  }

  /**
   * Whether {@link #compute} sees the state only through its concatenation along channels, so that
   * a one-array state holding that concatenation gives the same result (a dense layer). The
   * recomputation then back-propagates into one concatenated array, whose gradient is a single
   * contiguous tensor, instead of into every earlier map (a copied gradient slice per map: a
   * quadratic number of copies per dense block).
   */
  default boolean concatenatesState() {
    return false;
  }

  @Override
  default AppendingSegment appending() {
    return this;
  }
}
