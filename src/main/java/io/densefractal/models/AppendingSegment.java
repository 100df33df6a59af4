package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * A segment that keeps its whole state and appends new channels to it, and that sees the state only
 * through its concatenation along channels — a dense layer adding its k channels. So a one-array
 * state holding that concatenation gives the same result, and the recomputation can keep a dense
 * block's maps in one buffer, hand each layer a view of it, and pass the state's gradient straight
 * through instead of back-propagating through the identity.
 */
@FunctionalInterface
public interface AppendingSegment extends Segment {
  /** The channels this segment appends to its state. */
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
