package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.function.UnaryOperator;

/**
 * Runs a piece of a forward pass inside its own sub-manager so that only its output outlives it.
 *
 * <p>Why: a DJL operation's result joins its input's manager, so without scoping every intermediate
 * of a forward pass lives until the caller's manager closes (measured: 4.2 GB vs 1.0 GB peak for a
 * DenseNet-BC inference). Closing a Java handle does not free a tensor autograd still needs:
 * libtorch keeps its own reference, so scoping is safe in training too.
 */
public final class Scoped {
  private Scoped() {}

  /** {@code block.forward(inputs)}, keeping only the outputs. */
  public static NDList forward(
      Block block,
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDManager parent = inputs.head().getManager();
    try (NDManager scope = parent.newSubManager()) {
      inputs.tempAttach(scope);
      NDList out = block.forward(parameterStore, inputs, training, params);
      out.attach(parent);
      return out;
    }
  }

  /** {@code f(state)}, keeping only the resulting state. */
  public static NDList applyList(NDList state, UnaryOperator<NDList> f) {
    NDManager parent = state.head().getManager();
    try (NDManager scope = parent.newSubManager()) {
      state.tempAttach(scope);
      NDList out = f.apply(state);
      out.attach(parent);
      return out;
    }
  }

  /** {@code f(x)}, keeping only the result. */
  public static NDArray apply(NDArray x, UnaryOperator<NDArray> f) {
    NDManager parent = x.getManager();
    try (NDManager scope = parent.newSubManager()) {
      x.tempAttach(scope);
      NDArray out = f.apply(x);
      out.attach(parent);
      return out;
    }
  }
}
