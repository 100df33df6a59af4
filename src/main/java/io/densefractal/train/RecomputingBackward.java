package io.densefractal.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.densefractal.models.AppendingSegment;
import io.densefractal.models.Scoped;
import io.densefractal.models.Segment;
import io.densefractal.models.SegmentedNetwork;
import io.densefractal.models.TwoPhaseSegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Memory-efficient training step: recompute instead of store (Pleiss et al. 2017; torchvision's
 * {@code memory_efficient=True}), through DJL's public autograd only.
 *
 * <ol>
 *   <li>Forward through the segments with gradient recording off, keeping only the states between
 *       segments (for a DenseNet: the feature maps themselves, linear in depth).
 *   <li>Gradient of the loss with respect to the logits.
 *   <li>Segments last to first: recompute the segment from its saved input with recording on, and
 *       back-propagate {@code Σ (out · g)} where g is the saved gradient of its output. Parameter
 *       gradients accumulate across these calls into exactly what one backward would give; the
 *       gradient that reaches the segment's input becomes the previous segment's g.
 * </ol>
 *
 * <p>{@link AppendingSegment}s (dense layers) see their state only through its concatenation: the
 * forward keeps a dense block's maps in one {@link ChannelBuffer} and hands each layer a view of
 * its first channels, and the backward keeps the block's state gradient in one array too, adding
 * each layer's input gradient into a view of it. No layer's input is concatenated again, in either
 * pass (Pleiss et al.'s shared storage).
 *
 * <p>BatchNorm running statistics are updated by the first forward only: they are saved before the
 * recomputations and restored after. Dropout masks are replayed by seeding the engine's generator
 * with the same per-segment seed in the forward and in the recomputation.
 *
 * <p>Peak memory: the saved states plus one segment's graph at a time.
 */
public final class RecomputingBackward {
  private RecomputingBackward() {}

  /** How much of a {@link TwoPhaseSegment} to recompute. */
  public enum Policy {
    /** Recompute every segment whole: only the states between segments are kept (least memory). */
    EVERYTHING,
    /**
     * Keep the second phase's graph and recompute only the first (torchvision's memory_efficient):
     * less time, more memory (a DenseNet-BC layer keeps 2 × 4k channels instead of k).
     */
    FIRST_PHASE
  }

  /** The logits (detached) and the loss value of one step. */
  public record Result(NDArray logits, float loss) {}

  /**
   * Runs forward and backward for one batch. Parameter gradients are accumulated into the
   * parameters' gradient arrays (zero them between steps, as with a normal backward); call this
   * outside any open {@link GradientCollector}.
   *
   * @param block the network (also a {@link SegmentedNetwork})
   * @param loss maps logits to a scalar loss
   * @param stepSeed seeds the dropout masks of this step (ignored for deterministic networks)
   */
  public static <B extends Block & SegmentedNetwork> Result step(
      B block, ParameterStore ps, NDArray x, UnaryOperator<NDArray> loss, long stepSeed) {
    return step(block, ps, x, loss, stepSeed, Policy.EVERYTHING);
  }

  /** {@link #step(Block, ParameterStore, NDArray, UnaryOperator, long)} with a chosen policy. */
  public static <B extends Block & SegmentedNetwork> Result step(
      B block,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      long stepSeed,
      Policy policy) {
    List<Segment> segments = block.segments();
    boolean stochastic = block.isStochastic();
    NDManager manager = x.getManager();

    // 1. Forward, no graph: keep the input of every segment.
    Forward forward = Forward.run(segments, ps, x, stepSeed, stochastic, policy);
    NDArray logits = forward.output;
    List<Pair<NDArray, NDArray>> runningStats = saveRunningStatistics(block);

    // 2. d loss / d logits.
    NDList grads;
    float lossValue;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray leaf = leaf(logits);
      NDArray l = loss.apply(leaf);
      lossValue = l.getFloat();
      collector.backward(l);
      grads = new NDList(leaf.getGradient().duplicate());
    }

    // 3. Segments backwards: recompute with a graph, back-propagate the saved output gradient.
    for (int i = segments.size() - 1; i >= 0; i--) {
      try (NDManager scope = manager.newSubManager()) {
        Segment segment = segments.get(i);
        AppendingSegment appending = segment.appending();
        NDList in = new NDList();
        for (NDArray a : forward.inputs.get(i)) {
          NDArray d = leaf(a);
          d.attach(scope);
          in.add(d);
        }
        if (appending != null) {
          grads =
              appendingBackward(
                  appending,
                  ps,
                  in.head(),
                  grads.singletonOrThrow(),
                  i,
                  scope,
                  stochastic,
                  stepSeed,
                  forward.intermediates[i],
                  forward.appended[i]);
          continue;
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          seed(stochastic, stepSeed, i);
          NDList out = segment.forward(ps, in, true);
          NDArray objective = out.get(0).mul(grads.get(0)).sum();
          for (int j = 1; j < out.size(); j++) {
            objective = objective.add(out.get(j).mul(grads.get(j)).sum());
          }
          collector.backward(objective);
        }
        grads.close();
        grads = new NDList();
        if (i > 0) {
          for (NDArray leaf : in) {
            NDArray gradient = leaf.getGradient(); // outlives the leaf: no copy needed
            gradient.attach(manager);
            grads.add(gradient);
          }
        }
      }
    }
    restoreRunningStatistics(runningStats);
    return new Result(logits, lossValue);
  }

  /**
   * The gradient-free forward pass, keeping what the backward needs: every segment's input and,
   * with {@link Policy#FIRST_PHASE}, each two-phase segment's second phase with its graph. A dense
   * block's maps live in one {@link ChannelBuffer}; each layer's input is a view of its first
   * channels.
   */
  private static final class Forward {
    final List<NDList> inputs;
    final NDArray[] intermediates; // FIRST_PHASE: the second phase's input (a leaf)
    final NDArray[] appended; // FIRST_PHASE: the second phase's output, graph kept
    NDArray output;

    private Forward(int segments) {
      inputs = new ArrayList<>(segments);
      intermediates = new NDArray[segments];
      appended = new NDArray[segments];
    }

    static Forward run(
        List<Segment> segments,
        ParameterStore ps,
        NDArray x,
        long stepSeed,
        boolean stochastic,
        Policy policy) {
      NDManager manager = x.getManager();
      Forward f = new Forward(segments.size());
      NDList state = new NDList(x);
      ChannelBuffer buffer = null;
      for (int i = 0; i < segments.size(); i++) {
        seed(stochastic, stepSeed, i);
        Segment segment = segments.get(i);
        AppendingSegment appending = segment.appending();
        if (appending == null) {
          if (buffer != null) {
            state = new NDList(buffer.contents());
            buffer = null;
          }
          f.inputs.add(state);
          state = Scoped.applyList(state, s -> segment.forward(ps, s, true));
          continue;
        }
        NDArray input = buffer != null ? buffer.contents() : joined(state, manager);
        f.inputs.add(new NDList(input));
        int index = i;
        boolean keepSecondPhase =
            policy == Policy.FIRST_PHASE && appending instanceof TwoPhaseSegment;
        NDArray added =
            Scoped.apply(
                input,
                in -> {
                  if (!keepSecondPhase) {
                    return appending.compute(ps, new NDList(in), true);
                  }
                  TwoPhaseSegment twoPhase = (TwoPhaseSegment) appending;
                  NDArray intermediate = leaf(twoPhase.first(ps, new NDList(in), true));
                  intermediate.attach(manager);
                  f.intermediates[index] = intermediate;
                  try (GradientCollector graph = Engine.getInstance().newGradientCollector()) {
                    return twoPhase.second(ps, intermediate, true); // its graph is kept
                  }
                });
        if (buffer == null) {
          long channels = input.getShape().get(1);
          long capacity = channels + appendingRun(segments, i) * added.getShape().get(1);
          buffer = new ChannelBuffer(input, capacity, manager);
          buffer.append(input);
        }
        buffer.append(added);
        if (keepSecondPhase) {
          f.appended[i] = added;
        } else {
          added.close();
        }
      }
      if (buffer != null) {
        state = new NDList(buffer.contents());
      }
      f.output = state.singletonOrThrow();
      return f;
    }
  }

  /**
   * Back-propagates through one appending segment (a dense layer). Its state is the concatenation
   * of the maps so far ({@code input}, as a leaf), and {@code stateGrad} is the gradient of the
   * state it passes on: the input's channels, then the appended ones. The appended channels'
   * gradient goes back through the recomputed layer; the input's channels pass theirs straight
   * through, plus what comes back through the layer, added in place.
   *
   * @return the gradient of the segment's input state
   */
  private static NDList appendingBackward(
      AppendingSegment appending,
      ParameterStore ps,
      NDArray input,
      NDArray stateGrad,
      int index,
      NDManager scope,
      boolean stochastic,
      long stepSeed,
      NDArray intermediate,
      NDArray appended) {
    long channels = input.getShape().get(1);
    NDArray appendedGrad = stateGrad.get(new NDIndex(":, {}:", channels));
    appendedGrad.attach(scope);
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      seed(stochastic, stepSeed, index);
      NDArray objective;
      if (intermediate != null) {
        // Back through the kept graph of the second phase, then recompute the first.
        intermediate.attach(scope);
        appended.attach(scope);
        collector.backward(appended.mul(appendedGrad).sum());
        TwoPhaseSegment twoPhase = (TwoPhaseSegment) appending;
        objective =
            twoPhase.first(ps, new NDList(input), true).mul(intermediate.getGradient()).sum();
      } else {
        objective = appending.compute(ps, new NDList(input), true).mul(appendedGrad).sum();
      }
      collector.backward(objective);
    }
    NDArray inputGrad = stateGrad.get(new NDIndex(":, 0:{}", channels));
    inputGrad.addi(input.getGradient());
    stateGrad.close(); // the view keeps the memory alive; the wider handle is no longer needed

    return new NDList(inputGrad);
  }

  /** The number of consecutive appending segments from {@code from}: one dense block's layers. */
  private static int appendingRun(List<Segment> segments, int from) {
    int n = 0;
    while (from + n < segments.size() && segments.get(from + n).appending() != null) {
      n++;
    }
    return n;
  }

  /** The state's arrays concatenated along channels (the array itself when there is one). */
  private static NDArray joined(NDList state, NDManager manager) {
    if (state.size() == 1) {
      return state.head();
    }
    NDArray concatenated = NDArrays.concat(state, 1);
    concatenated.attach(manager);
    return concatenated;
  }

  /** A graph leaf sharing {@code a}'s data, recording gradients. */
  private static NDArray leaf(NDArray a) {
    NDArray d = a.stopGradient();
    d.setRequiresGradient(true);
    return d;
  }

  /** The per-segment seed that makes the recomputation draw the forward's dropout masks. */
  public static int segmentSeed(long stepSeed, int segment) {
    return (int) (stepSeed * 1_000_003L + segment);
  }

  private static void seed(boolean stochastic, long stepSeed, int segment) {
    if (stochastic) {
      Engine.getInstance().setRandomSeed(segmentSeed(stepSeed, segment));
    }
  }

  private static List<Pair<NDArray, NDArray>> saveRunningStatistics(Block block) {
    List<Pair<NDArray, NDArray>> saved = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter.Type type = p.getValue().getType();
      if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
        NDArray array = p.getValue().getArray();
        saved.add(new Pair<>(array, array.duplicate()));
      }
    }
    return saved;
  }

  private static void restoreRunningStatistics(List<Pair<NDArray, NDArray>> saved) {
    for (Pair<NDArray, NDArray> p : saved) {
      p.getKey().set(new NDIndex("..."), p.getValue());
      p.getValue().close();
    }
  }
}
