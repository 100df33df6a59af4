package io.densefractal.recompute;

import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;

/**
 * One step of a forward pass cut into a chain: it maps the state between steps (an {@link NDList}:
 * the image, a dense block's list of feature maps, the logits) to the next state.
 */
@FunctionalInterface
public interface Segment {
  NDList forward(ParameterStore parameterStore, NDList state, boolean training);

  /** This segment as an {@link AppendingSegment}, or null when it replaces its state. */
  default AppendingSegment appending() {
    return null;
  }
}
