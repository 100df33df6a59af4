package io.densefractal.recompute;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.densefractal.models.Scoped;
import io.densefractal.weights.block.TorchKeys;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Memory-efficient training step: recompute instead of store (Pleiss et al. 2017; torchvision's
 * {@code memory_efficient=True}), through DJL's public autograd only.
 *
 * <ol>
 *   <li>Forward through the segments with gradient recording off, keeping only the states between
 *       segments (for a DenseNet: the feature maps themselves, linear in depth). A segment that
 *       normalises its state's concatenation ({@link StatisticsReusingSegment}: a dense layer, a
 *       transition) takes the batch statistics of the state's maps, each computed once ({@link
 *       BatchStatistics}), instead of recomputing them over the whole concatenation (timed in
 *       docs/BENCHMARKS.md).
 *   <li>The network's tail — the last segments, as many as fit a memory budget — runs as an
 *       ordinary forward and backward from its saved input state, loss included. The backward walk
 *       reaches the tail first, so its graph is freed before the large early segments are
 *       recomputed, and its forward is not done twice (a little more memory for less time;
 *       docs/BENCHMARKS.md). The budget is a multiple of the largest segment input ({@link
 *       SegmentedNetwork#DEFAULT_TAIL_BUDGET}), so the peak stays linear in depth.
 *   <li>Remaining segments last to first: recompute the segment from its saved input with recording
 *       on, and back-propagate g, the saved gradient of its output, from the output. Parameter
 *       gradients accumulate across these calls into exactly what one backward would give; the
 *       gradient that reaches the segment's input becomes the previous segment's g.
 * </ol>
 *
 * <p>BatchNorm running statistics are updated exactly once: by the first forward (saved before the
 * recomputations and restored after), or, for a BatchNorm that took given statistics there, by its
 * recomputation. Dropout masks are replayed by seeding the engine's generator with the same
 * per-segment seed in the forward and in the recomputation.
 *
 * <p>Peak memory: the saved states plus the tail's graph, or one segment's graph at a time.
 *
 * <p>Everything recomputed must reproduce the first forward bit for bit: a DenseNet gradient can be
 * ill-conditioned enough that a 1e-7 relative change in the stored maps moves parameter gradients
 * by percents (measured; docs/BENCHMARKS.md), so the first pass uses the same kernels as the
 * recomputation, or, for BatchNorm statistics, an exact replica of them ({@code
 * BatchStatisticsTest} and {@code TrainingParityTest} fail on a one-rounding difference).
 */
public final class RecomputingBackward {
  private RecomputingBackward() {}

  /** The logits (detached) and the loss value of one step. */
  public record Result(NDArray logits, float loss) {}

  /**
   * Runs forward and backward for one batch. Parameter gradients are accumulated into the
   * parameters' gradient arrays (zero them between steps, as with a normal backward); call this
   * outside any open {@link GradientCollector}.
   *
   * @param block the network; {@link SegmentedNetwork#of} must know it
   * @param loss maps logits to a scalar loss
   * @param stepSeed seeds the dropout masks of this step (ignored for deterministic networks)
   */
  public static Result step(
      Block block, ParameterStore ps, NDArray x, UnaryOperator<NDArray> loss, long stepSeed) {
    return step(block, ps, x, loss, stepSeed, SegmentedNetwork.DEFAULT_TAIL_BUDGET);
  }

  /**
   * {@link #step(Block, ParameterStore, NDArray, UnaryOperator, long)} with a chosen tail budget: 0
   * recomputes every segment, a large one runs the whole network as one ordinary step.
   */
  public static Result step(
      Block block,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      long stepSeed,
      double tailBudget) {
    SegmentedNetwork network =
        SegmentedNetwork.of(block)
            .orElseThrow(() -> new IllegalArgumentException("not a segmented network: " + block));
    Step step = new Step(network, ps, x.getManager(), stepSeed);
    long[] inputSizes = network.segmentInputElements(x.getShape());
    if (inputSizes.length != step.segments.size()) {
      throw new IllegalStateException(
          inputSizes.length + " segment input sizes for " + step.segments.size() + " segments");
    }
    int tailStart = SegmentedNetwork.tailStart(inputSizes, tailBudget);
    NDList tailInput = step.forwardWithoutGraph(x, tailStart);
    TailOutput tail = step.tailWithGraph(tailInput, tailStart, loss);
    // Every other BatchNorm has now run once; the recomputations must not count again.
    List<Pair<NDArray, NDArray>> runningStats =
        saveRunningStatistics(block, step.updatedByRecomputation);
    step.recomputeBackwards(tail.inputGradients(), tailStart);
    restoreRunningStatistics(runningStats);
    return new Result(tail.logits(), tail.loss());
  }

  /** What the tail hands back: the gradients of its input state, the logits and the loss. */
  private record TailOutput(NDList inputGradients, NDArray logits, float loss) {}

  /** One step's state: the segments and the inputs the first pass keeps for the recomputation. */
  private static final class Step {
    final List<Segment> segments;
    final boolean stochastic;
    final ParameterStore ps;
    final NDManager manager;
    final long stepSeed;
    final List<NDList> inputs = new ArrayList<>();
    final List<Block> updatedByRecomputation = new ArrayList<>();

    Step(SegmentedNetwork network, ParameterStore ps, NDManager manager, long stepSeed) {
      this.segments = network.segments();
      this.stochastic = network.isStochastic();
      this.ps = ps;
      this.manager = manager;
      this.stepSeed = stepSeed;
    }

    /**
     * Phase 1: forward through the segments before the tail with no graph, keeping the input of
     * every segment (states share their arrays). A segment that normalises its state's
     * concatenation takes the batch statistics of the state's arrays, each computed once, and
     * leaves its BatchNorm's running statistics to the recomputation. Returns the tail's input.
     */
    NDList forwardWithoutGraph(NDArray x, int tailStart) {
      Map<NDArray, BatchStatistics> statistics = new IdentityHashMap<>();
      NDList state = new NDList(x);
      for (int i = 0; i < tailStart; i++) {
        inputs.add(state);
        seed(i);
        Segment segment = segments.get(i);
        if (segment instanceof StatisticsReusingSegment reusing
            && BatchStatistics.supports(state.head())) {
          BatchStatistics given =
              BatchStatistics.concat(
                  state.stream()
                      .map(a -> statistics.computeIfAbsent(a, BatchStatistics::of))
                      .toList());
          state = Scoped.applyList(state, s -> reusing.forward(ps, s, given));
          updatedByRecomputation.add(reusing.stateNorm());
        } else {
          state = Scoped.applyList(state, s -> segment.forward(ps, s, true));
        }
      }
      inputs.add(state); // the tail's input: the output of the last recomputed segment
      return state;
    }

    /**
     * Phase 2: the tail, forward and backward with its graph (or only the loss when the tail is
     * empty): the gradient of its input state starts the walk back.
     */
    TailOutput tailWithGraph(NDList state, int tailStart, UnaryOperator<NDArray> loss) {
      NDList tailInput = new NDList(state.size());
      for (NDArray a : state) {
        NDArray d = leaf(a);
        d.attach(manager);
        tailInput.add(d);
      }
      NDArray logits;
      float lossValue;
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDList s = tailInput;
        for (int i = tailStart; i < segments.size(); i++) {
          seed(i);
          Segment segment = segments.get(i);
          s = Scoped.applyList(s, in -> segment.forward(ps, in, true));
        }
        NDArray out = s.singletonOrThrow();
        NDArray l = loss.apply(out);
        lossValue = l.getFloat();
        logits = out.stopGradient();
        logits.attach(manager);
        collector.backward(l);
      }
      NDList grads = new NDList(tailInput.size());
      for (NDArray d : tailInput) {
        NDArray g = d.getGradient().duplicate();
        g.attach(manager);
        grads.add(g);
      }
      return new TailOutput(grads, logits, lossValue);
    }

    /**
     * Phase 3: the segments before the tail, last to first: recompute each with a graph from its
     * saved input and back-propagate the saved gradient of its output.
     */
    void recomputeBackwards(NDList tailInputGradients, int tailStart) {
      NDList grads = tailInputGradients;
      for (int i = tailStart - 1; i >= 0; i--) {
        grads = recomputeBackward(i, grads);
      }
    }

    /** Recomputes segment {@code i}, back-propagates {@code grads}; its input's gradients. */
    private NDList recomputeBackward(int i, NDList grads) {
      try (NDManager scope = manager.newSubManager()) {
        Segment segment = segments.get(i);
        AppendingSegment appending = segment.appending();
        NDList saved = inputs.get(i);
        // A concatenating segment gets its state as one leaf: its gradient arrives in one piece.
        boolean joined = appending != null && appending.concatenatesState() && saved.size() > 1;
        NDList source = saved;
        if (joined) {
          NDArray concatenated = NDArrays.concat(saved, 1);
          concatenated.attach(scope);
          source = new NDList(concatenated);
        }
        NDList in = new NDList();
        for (NDArray a : source) {
          NDArray d = leaf(a);
          d.attach(scope);
          in.add(d);
        }
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          seed(i);
          if (appending != null) {
            // Only the appended array is new: the rest of the state passes through unchanged.
            backward(appending.compute(ps, in, true), grads.get(grads.size() - 1));
          } else {
            NDList out = segment.forward(ps, in, true);
            if (out.size() == 1) {
              backward(out.head(), grads.get(0));
            } else {
              NDArray objective = out.get(0).mul(grads.get(0)).sum();
              for (int j = 1; j < out.size(); j++) {
                objective = objective.add(out.get(j).mul(grads.get(j)).sum());
              }
              collector.backward(objective);
            }
          }
        }
        NDList inputGrads = new NDList();
        if (i > 0) {
          NDList g = joined ? splitChannels(in.head().getGradient(), saved) : gradients(in);
          for (int j = 0; j < g.size(); j++) {
            if (appending != null) {
              // d state_j = (carried gradient of the passed-through array) + (through the new one)
              inputGrads.add(grads.get(j).addi(g.get(j)));
            } else {
              NDArray kept = g.get(j).duplicate();
              kept.attach(manager);
              inputGrads.add(kept);
            }
          }
        }
        for (int j = appending != null ? saved.size() : 0; j < grads.size(); j++) {
          grads.get(j).close();
        }
        return inputGrads;
      }
    }

    private void seed(int segment) {
      if (stochastic) {
        Engine.getInstance().setRandomSeed(segmentSeed(stepSeed, segment));
      }
    }
  }

  /**
   * Back-propagates {@code gradient} from {@code out} (inside an open {@link GradientCollector}):
   * what {@code backward((out · gradient).sum())} does — the same gradient, since the product's
   * backward multiplies by one — without computing the product and its backward (a few elementwise
   * passes over every recomputed segment's output). DJL's collector only starts from a gradient of
   * ones, so this calls the engine's public autograd entry point.
   */
  static void backward(NDArray out, NDArray gradient) {
    if (!out.getShape().equals(gradient.getShape())) {
      throw new IllegalArgumentException(
          "gradient of shape " + gradient.getShape() + " for an output of shape " + out.getShape());
    }
    JniUtils.backward((PtNDArray) out, (PtNDArray) gradient, false, false);
  }

  private static NDList gradients(NDList leaves) {
    NDList out = new NDList(leaves.size());
    for (NDArray a : leaves) {
      out.add(a.getGradient());
    }
    return out;
  }

  /** Views of {@code g}, the gradient of a channel concatenation, one per concatenated array. */
  private static NDList splitChannels(NDArray g, NDList parts) {
    long[] bounds = new long[parts.size() - 1];
    long channels = 0;
    for (int j = 0; j < bounds.length; j++) {
      channels += parts.get(j).getShape().get(1);
      bounds[j] = channels;
    }
    return g.split(bounds, 1);
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

  /** Copies of the running statistics of {@code block}'s BatchNorms except {@code excluded}. */
  private static List<Pair<NDArray, NDArray>> saveRunningStatistics(
      Block block, List<Block> excluded) {
    Set<Parameter> skipped = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Block norm : excluded) {
      skipped.addAll(runningStatistics(norm));
    }
    List<Pair<NDArray, NDArray>> saved = new ArrayList<>();
    for (Parameter p : runningStatistics(block)) {
      if (skipped.contains(p)) {
        continue;
      }
      NDArray array = p.getArray();
      saved.add(new Pair<>(array, array.duplicate()));
    }
    return saved;
  }

  /** The running mean and variance parameters of every BatchNorm in {@code block}. */
  private static List<Parameter> runningStatistics(Block block) {
    List<Parameter> out = new ArrayList<>();
    for (Parameter p : TorchKeys.parameters(block).values()) {
      if (p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR) {
        out.add(p);
      }
    }
    return out;
  }

  private static void restoreRunningStatistics(List<Pair<NDArray, NDArray>> saved) {
    for (Pair<NDArray, NDArray> p : saved) {
      p.getKey().set(new NDIndex("..."), p.getValue());
      p.getValue().close();
    }
  }
}
