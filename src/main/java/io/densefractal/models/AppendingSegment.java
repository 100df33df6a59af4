package io.densefractal.models;

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

  @Override
  default AppendingSegment appending() {
    return this;
  }
}
