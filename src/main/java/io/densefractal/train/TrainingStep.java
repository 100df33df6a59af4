package io.densefractal.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.recompute.RecomputingBackward;
import io.densefractal.recompute.SegmentedNetwork;
import java.util.function.UnaryOperator;

/**
 * Forward, loss and backward of one batch, standard or memory-efficient: what {@code train} runs
 * before its {@link Sgd} update, and what {@code bench} times. Gradients accumulate into the
 * parameters; the optimizer's step zeroes them.
 */
public final class TrainingStep {
  private TrainingStep() {}

  /** The logits and the loss value of one step. */
  public record Output(NDArray logits, float loss) {}

  /**
   * {@link #run(Block, ParameterStore, NDArray, UnaryOperator, long, boolean, double)} with the
   * default tail budget.
   */
  public static Output run(
      Block block,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      long stepSeed,
      boolean memoryEfficient) {
    return run(block, ps, x, loss, stepSeed, memoryEfficient, SegmentedNetwork.DEFAULT_TAIL_BUDGET);
  }

  /**
   * One step. A non-finite loss is returned without a backward pass (the caller stops the run).
   *
   * @param stepSeed seeds dropout and drop-path for this step
   * @param tailBudget memory-efficient only: see {@link SegmentedNetwork#DEFAULT_TAIL_BUDGET}
   */
  public static Output run(
      Block block,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      long stepSeed,
      boolean memoryEfficient,
      double tailBudget) {
    if (memoryEfficient) {
      RecomputingBackward.Result r =
          RecomputingBackward.step(block, ps, x, loss, stepSeed, tailBudget);
      return new Output(r.logits(), r.loss());
    }
    // Dropout and drop-path draw from the engine's generator: seed it per step.
    Engine.getInstance().setRandomSeed((int) stepSeed);
    // Recorded on this thread only: replicas of one process may step side by side.
    try (ThreadGradientRecording collector = ThreadGradientRecording.open()) {
      NDArray logits = block.forward(ps, new NDList(x), true).singletonOrThrow();
      NDArray l = loss.apply(logits);
      float value = l.getFloat();
      if (Float.isFinite(value)) {
        collector.backward(l);
      }
      return new Output(logits, value);
    }
  }
}
