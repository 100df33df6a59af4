package io.densefractal.recompute;

import static io.densefractal.testing.Close.relativeMaxDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.densefractal.models.densenet.DenseNet;
import io.densefractal.models.densenet.DenseNets;
import io.densefractal.weights.block.TorchKeys;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Memory-efficient (recomputing) training gives the gradients and statistics of a normal step. */
class RecomputingBackwardTest {
  static final Shape INPUT = new Shape(4, 3, 16, 16);

  static DenseNet smallDenseNet(double dropRate) {
    // DenseNet-BC, depth 16 (2 bottleneck layers per block), k = 4, on 16x16 images.
    return new DenseNet(DenseNets.cifar(16, 4, true).numClasses(5).dropRate(dropRate).build());
  }

  static DenseNet smallPlainDenseNet() {
    // DenseNet without bottleneck, depth 13 (3 layers per block): its segments are not two-phase.
    return new DenseNet(DenseNets.cifar(13, 4, false).numClasses(5).build());
  }

  static UnaryOperator<NDArray> crossEntropy(NDManager m) {
    NDArray oneHot = m.create(new long[] {0, 1, 2, 3}).oneHot(5);
    return logits -> logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
  }

  /** Gradients (by key) and running statistics after one step. */
  record Outcome(Map<String, float[]> grads, Map<String, float[]> stats, float loss) {}

  static Outcome outcome(DenseNet net, float loss) {
    Map<String, float[]> grads = new LinkedHashMap<>();
    Map<String, float[]> stats = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : TorchKeys.parameters(net).entrySet()) {
      NDArray a = e.getValue().getArray();
      if (e.getValue().requiresGradient()) {
        grads.put(e.getKey(), a.getGradient().toFloatArray());
      } else {
        stats.put(e.getKey(), a.toFloatArray());
      }
    }
    return new Outcome(grads, stats, loss);
  }

  /** An ordinary step: one forward with the graph recorded, one backward. */
  static Outcome standard(double dropRate) {
    return standard(() -> smallDenseNet(dropRate));
  }

  static Outcome standard(Supplier<DenseNet> network) {
    return ordinary(
        network, (net, ps, x) -> net.forward(ps, new NDList(x), true).singletonOrThrow());
  }

  /** An ordinary step through the chained segments, seeded as the recomputation seeds them. */
  static Outcome chainedSegments(double dropRate, long stepSeed) {
    return ordinary(
        () -> smallDenseNet(dropRate),
        (net, ps, x) -> {
          NDList state = new NDList(x);
          List<Segment> segments = SegmentedNetwork.of(net).orElseThrow().segments();
          for (int i = 0; i < segments.size(); i++) {
            Engine.getInstance().setRandomSeed(RecomputingBackward.segmentSeed(stepSeed, i));
            state = segments.get(i).forward(ps, state, true);
          }
          return state.singletonOrThrow();
        });
  }

  interface Forward {
    NDArray apply(DenseNet net, ParameterStore ps, NDArray x);
  }

  static Outcome ordinary(Supplier<DenseNet> network, Forward forward) {
    Engine.getInstance().setRandomSeed(7);
    DenseNet net = network.get();
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, INPUT);
      Engine.getInstance().setRandomSeed(8);
      NDArray x = m.randomNormal(INPUT);
      try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
        NDArray loss = crossEntropy(m).apply(forward.apply(net, new ParameterStore(m, false), x));
        c.backward(loss);
        return outcome(net, loss.getFloat());
      }
    }
  }

  /**
   * Tail budgets that cover the three cases on the small network: every segment recomputed, a tail
   * of the last blocks (checked in {@link #theMiddleBudgetSplitsTheSmallNetwork}), and the default,
   * which here is the whole network run as one ordinary step.
   */
  static final double[] BUDGETS = {0, 1, SegmentedNetwork.DEFAULT_TAIL_BUDGET};

  static Outcome recomputed(double dropRate, long stepSeed, double budget) {
    return recomputed(() -> smallDenseNet(dropRate), stepSeed, budget);
  }

  static Outcome recomputed(Supplier<DenseNet> network, long stepSeed, double budget) {
    Engine.getInstance().setRandomSeed(7);
    DenseNet net = network.get();
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, INPUT);
      Engine.getInstance().setRandomSeed(8);
      NDArray x = m.randomNormal(INPUT);
      RecomputingBackward.Result r =
          RecomputingBackward.step(
              net, new ParameterStore(m, false), x, crossEntropy(m), stepSeed, budget);
      return outcome(net, r.loss());
    }
  }

  static void assertSame(Outcome expected, Outcome actual, double tolerance) {
    assertThat(actual.loss())
        .isCloseTo(expected.loss(), org.assertj.core.data.Offset.offset(1e-5f));
    assertThat(actual.grads().keySet()).containsExactlyElementsOf(expected.grads().keySet());
    for (String k : expected.grads().keySet()) {
      assertThat(relativeMaxDiff(actual.grads().get(k), expected.grads().get(k)))
          .as("gradient of " + k)
          .isLessThan(tolerance);
    }
    for (String k : expected.stats().keySet()) {
      assertThat(relativeMaxDiff(actual.stats().get(k), expected.stats().get(k)))
          .as("running statistic " + k + " (must be updated exactly once)")
          .isLessThan(1e-6);
    }
  }

  @Test
  void gradientsAndRunningStatisticsEqualAStandardStep() {
    Outcome expected = standard(0);
    assertSame(expected, chainedSegments(0, 1), 1e-6); // the segments are the forward pass
    for (double budget : BUDGETS) {
      assertSame(expected, recomputed(0, 1, budget), 1e-5);
    }
  }

  @Test
  void theMiddleBudgetSplitsTheSmallNetwork() {
    SegmentedNetwork net = SegmentedNetwork.of(smallDenseNet(0)).orElseThrow();
    long[] sizes = net.segmentInputElements(INPUT);
    assertThat(sizes).hasSize(net.segments().size());
    assertThat(sizes[0]).isEqualTo(INPUT.size());
    assertThat(SegmentedNetwork.tailStart(sizes, BUDGETS[0])).isEqualTo(sizes.length);
    assertThat(SegmentedNetwork.tailStart(sizes, BUDGETS[1])).isBetween(1, sizes.length - 1);
    assertThat(SegmentedNetwork.tailStart(sizes, BUDGETS[2])).isZero();
  }

  @Test
  void tailStartPicksTheLongestTailWithinTheBudget() {
    long[] sizes = {10, 50, 40, 5, 5, 1};
    assertThat(SegmentedNetwork.tailStart(sizes, 2)).isEqualTo(2); // 40+5+5+1 <= 100 < +50
    assertThat(SegmentedNetwork.tailStart(sizes, 0)).isEqualTo(6); // nothing fits
    assertThat(SegmentedNetwork.tailStart(sizes, 0.02)).isEqualTo(5); // only the last
    assertThat(SegmentedNetwork.tailStart(sizes, 100)).isZero(); // everything
  }

  @Test
  void plainDenseNetGradientsEqualAStandardStep() {
    Outcome expected = standard(RecomputingBackwardTest::smallPlainDenseNet);
    for (double budget : BUDGETS) {
      assertSame(
          expected, recomputed(RecomputingBackwardTest::smallPlainDenseNet, 1, budget), 1e-5);
    }
  }

  @Test
  void dropoutMasksAreReplayedInTheRecomputation() {
    Outcome expected = chainedSegments(0.2, 42);
    for (double budget : BUDGETS) {
      assertSame(expected, recomputed(0.2, 42, budget), 1e-5);
    }
    // and the masks matter: another step seed gives other gradients
    Outcome other = chainedSegments(0.2, 43);
    assertThat(
            relativeMaxDiff(
                other.grads().get("features.conv0.weight"),
                expected.grads().get("features.conv0.weight")))
        .isGreaterThan(1e-3);
  }

  @Test
  void backwardFromAGradientEqualsBackwardOfTheProductSum() {
    try (NDManager m = NDManager.newBaseManager()) {
      float[] values = {0.3f, -1.2f, 0.7f, 2.1f, -0.4f, 0.05f};
      NDArray g = m.create(new float[] {1.5f, -0.2f, 0.9f, 0.1f, -3f, 0.6f}, new Shape(2, 3));
      float[][] grads = new float[2][];
      for (int route = 0; route < 2; route++) {
        NDArray w = m.create(values, new Shape(2, 3));
        w.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
          NDArray out = w.mul(w).tanh();
          if (route == 0) {
            collector.backward(out.mul(g).sum());
          } else {
            RecomputingBackward.backward(out, g);
          }
        }
        grads[route] = w.getGradient().toFloatArray();
      }
      assertThat(grads[1]).containsExactly(grads[0]);
      assertThat(grads[0]).doesNotContain(0f);

      NDArray out = m.ones(new Shape(2, 3));
      assertThatThrownBy(() -> RecomputingBackward.backward(out, m.ones(new Shape(3, 2))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(3, 2)");
    }
  }
}
