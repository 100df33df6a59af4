package io.densefractal.models;

import java.util.List;

/**
 * A network that can present its forward pass as a chain of {@link Segment}s, so that training can
 * keep only the states between segments and recompute the rest (see {@code
 * io.densefractal.train.RecomputingBackward}). Chaining the segments must compute exactly what the
 * block's own forward computes.
 */
public interface SegmentedNetwork {
  List<Segment> segments();

  /**
   * Bytes of the states kept between segments for a forward pass on {@code input} (float32): what
   * memory-efficient training stores instead of every intermediate.
   */
  long keptBytes(ai.djl.ndarray.types.Shape input);

  /**
   * For a forward pass on {@code input}: the number of elements in each segment's input state, in
   * segment order (what a segment's graph grows with; memory-efficient training sizes by it).
   */
  long[] segmentInputElements(ai.djl.ndarray.types.Shape input);

  /** Whether any segment draws random numbers (dropout): recomputation must then replay them. */
  boolean isStochastic();
}
