package io.densefractal.recompute;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * A segment whose first operation is a BatchNorm over the channel concatenation of its state (a
 * dense layer, a transition). A pass that records no graph can hand it the batch statistics of the
 * state's arrays, each computed once ({@link BatchStatistics}), instead of letting that BatchNorm
 * compute them over the whole concatenation again in every later segment.
 */
public interface StatisticsReusingSegment extends Segment {
  /**
   * {@code forward(parameterStore, state, true)} bit for bit, recording no graph, with the batch
   * statistics of the state's concatenation given. That BatchNorm's running statistics are not
   * updated: the caller has another pass update them.
   */
  NDList forward(ParameterStore parameterStore, NDList state, BatchStatistics stateStatistics);

  /**
   * The BatchNorm whose statistics {@link #forward(ParameterStore, NDList, BatchStatistics)} takes.
   */
  Block stateNorm();
}
