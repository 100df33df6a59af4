package io.densefractal.recompute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import io.densefractal.models.Layers;
import io.densefractal.models.densenet.DenseNet;
import io.densefractal.models.densenet.DenseNets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The batch statistics given to a BatchNorm reproduce libtorch's training kernel bit for bit — the
 * property memory-efficient training's first pass relies on (a rounding-level difference moves a
 * DenseNet's gradients by percents; docs/BENCHMARKS.md).
 */
class BatchStatisticsTest {

  /** Maps of different centres and spreads; every other one through a ReLU (many exact zeros). */
  static NDList maps(NDManager m, int count, int batch, int channels, int size) {
    NDList maps = new NDList();
    for (int j = 0; j < count; j++) {
      NDArray r =
          m.randomNormal(
              j * 0.37f - 1,
              0.5f + j * 0.11f,
              new Shape(batch, channels, size, size),
              DataType.FLOAT32);
      maps.add(j % 2 == 0 ? r.maximum(0f) : r);
    }
    return maps;
  }

  /**
   * Training-mode BatchNorm as DJL runs it: statistics computed by libtorch, running ones updated.
   */
  static NDArray trainingKernel(NDArray x, NDArray gamma, NDArray beta) {
    NDManager m = x.getManager();
    Shape c = new Shape(x.getShape().get(1));
    return BatchNorm.batchNorm(
            x,
            m.zeros(c),
            m.ones(c),
            gamma,
            beta,
            1,
            Layers.BATCH_NORM_MOMENTUM,
            Layers.BATCH_NORM_EPSILON,
            true)
        .singletonOrThrow();
  }

  static void assertBitIdentical(NDArray actual, NDArray expected) {
    assertThat(actual.getShape()).isEqualTo(expected.getShape());
    float[] a = actual.toFloatArray();
    float[] e = expected.toFloatArray();
    int different = 0;
    for (int i = 0; i < a.length; i++) {
      if (Float.floatToIntBits(a[i]) != Float.floatToIntBits(e[i])) {
        different++;
      }
    }
    assertThat(different).as("elements that differ in any bit, of " + a.length).isZero();
  }

  @Property(tries = 25)
  void givenStatisticsNormaliseExactlyAsTheTrainingKernel(
      @ForAll @IntRange(min = 1, max = 5) int count,
      @ForAll @IntRange(min = 1, max = 4) int batch,
      @ForAll @IntRange(min = 1, max = 13) int channels,
      @ForAll @IntRange(min = 2, max = 11) int size,
      @ForAll @IntRange(min = 0, max = 1000) int seed) {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(seed);
      NDList maps = maps(m, count, batch, channels, size);
      NDArray x = NDArrays.concat(maps, 1);
      long c = x.getShape().get(1);
      NDArray gamma = m.randomNormal(1, 0.3f, new Shape(c), DataType.FLOAT32);
      NDArray beta = m.randomNormal(0, 0.3f, new Shape(c), DataType.FLOAT32);
      List<BatchStatistics> perMap = new ArrayList<>();
      for (NDArray map : maps) {
        perMap.add(BatchStatistics.of(map));
      }
      NDArray given = BatchStatistics.concat(perMap).normalize(x, gamma, beta);
      assertBitIdentical(given, trainingKernel(x, gamma, beta));
    }
  }

  @Test
  void denseNetSizedInputsAndAConstantChannelAreExactToo() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      NDList maps = maps(m, 10, 64, 12, 32); // a DenseNet-BC block-1 layer's input at batch 64
      maps.add(m.full(new Shape(64, 12, 32, 32), 0.25f)); // variance 0: invstd = 1/sqrt(eps)
      NDArray x = NDArrays.concat(maps, 1);
      NDArray gamma = m.randomNormal(1, 0.3f, new Shape(132), DataType.FLOAT32);
      NDArray beta = m.randomNormal(0, 0.3f, new Shape(132), DataType.FLOAT32);
      NDArray given = BatchStatistics.of(x).normalize(x, gamma, beta);
      assertBitIdentical(given, trainingKernel(x, gamma, beta));
    }
  }

  @Test
  void denseLayersAndTransitionsGivenTheirStatisticsComputeExactlyTheirTrainingForward() {
    Shape input = new Shape(4, 3, 16, 16);
    Engine.getInstance().setRandomSeed(7);
    DenseNet net = new DenseNet(DenseNets.cifar(16, 4, true).numClasses(5).build());
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, input);
      ParameterStore ps = new ParameterStore(m, false);
      NDList state = new NDList(m.randomNormal(input));
      int reused = 0;
      for (Segment segment : SegmentedNetwork.of(net).orElseThrow().segments()) {
        if (segment instanceof StatisticsReusingSegment reusing) {
          List<BatchStatistics> perMap = new ArrayList<>();
          for (NDArray map : state) {
            perMap.add(BatchStatistics.of(map));
          }
          NDArray runningMean =
              reusing.stateNorm().getParameters().get("runningMean").getArray().duplicate();
          NDList fast = reusing.forward(ps, state, BatchStatistics.concat(perMap));
          // the given statistics leave the running ones alone (the recomputation updates them)
          assertBitIdentical(
              reusing.stateNorm().getParameters().get("runningMean").getArray(), runningMean);
          NDList ordinary = reusing.forward(ps, state, true);
          assertThat(fast).hasSameSizeAs(ordinary);
          for (int i = 0; i < fast.size(); i++) {
            assertBitIdentical(fast.get(i), ordinary.get(i));
          }
          reused++;
        }
        state = segment.forward(ps, state, true);
      }
      assertThat(reused).isEqualTo(8); // 2 layers in each of 3 blocks, 2 transitions
    }
  }

  @Test
  void wrongInputsAreRefusedWithTheReason() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(2, 3, 4, 4));
      assertThatThrownBy(() -> BatchStatistics.of(x.toType(DataType.FLOAT64, false)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("float32");
      assertThatThrownBy(() -> BatchStatistics.of(m.randomNormal(new Shape(2, 3))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("4-D");
      BatchStatistics three = BatchStatistics.of(x);
      NDArray five = m.randomNormal(new Shape(2, 5, 4, 4));
      assertThatThrownBy(() -> three.normalize(five, m.ones(new Shape(5)), m.zeros(new Shape(5))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("3 channels");
    }
  }
}
