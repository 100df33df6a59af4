package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import io.densefractal.data.DataSplits;
import io.densefractal.data.Datasets;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Shuffle;
import io.densefractal.data.Subsets;
import io.densefractal.data.Transform;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelZoo;
import io.densefractal.models.fractalnet.FractalNet;
import io.densefractal.models.fractalnet.FractalNetConfig;
import io.densefractal.weights.block.TorchKeys;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Precise BN: running statistics become the average of the batch statistics, regularisation off.
 */
class BatchNormRecalibrationTest {
  static final Shape ONE = new Shape(1, 1, 28, 28);
  static final DataSplits DEMO = Datasets.open("demo", null, 0.1, 0);
  static final ImageDataset TRAIN = Subsets.stratified(DEMO.train(), 40, 0);
  static final Transform EVAL = DEMO.transforms().eval();

  @Test
  void theStemBatchNormGetsTheAverageOfItsBatchStatistics() {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      Block net = ModelZoo.get("resnet20_cifar").create(new ModelOptions(10, 1));
      net.initialize(m, DataType.FLOAT32, ONE);
      Map<String, Parameter> p = TorchKeys.parameters(net);
      p.get("bn1.running_mean").getArray().set(new NDIndex("..."), 7f); // must not survive
      p.get("bn1.running_var").getArray().set(new NDIndex("..."), 7f);

      int used = BatchNormRecalibration.recalibrate(net, TRAIN, EVAL, 3, 10, 11, m);
      assertThat(used).isEqualTo(30);

      // By hand: the stem conv's output per batch, its channel means and unbiased variances.
      NDArray weight = p.get("conv1.weight").getArray();
      NDArray meanSum = null;
      NDArray varSum = null;
      int[] order = Arrays.copyOf(Shuffle.permutation(TRAIN.size(), 11), 30);
      try (BatchLoader loader = new BatchLoader(TRAIN, EVAL, order, 10, 11)) {
        while (loader.hasNext()) {
          Batch b = loader.next();
          NDArray y =
              Conv2d.conv2d(Batches.images(b, m), weight, null, new Shape(1, 1), new Shape(1, 1))
                  .singletonOrThrow();
          long channels = y.getShape().get(1);
          NDArray perChannel = y.transpose(1, 0, 2, 3).reshape(channels, -1);
          NDArray mean = perChannel.mean(new int[] {1});
          long n = perChannel.getShape().get(1);
          NDArray var = perChannel.sub(mean.reshape(-1, 1)).square().sum(new int[] {1}).div(n - 1);
          meanSum = meanSum == null ? mean : meanSum.add(mean);
          varSum = varSum == null ? var : varSum.add(var);
        }
      }
      assertClose(p.get("bn1.running_mean").getArray(), meanSum.div(3));
      assertClose(p.get("bn1.running_var").getArray(), varSum.div(3));
    }
  }

  @Test
  void fractalNetStatisticsIgnoreDropPathAndDropoutAndReplaceTheOldOnes() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, float[]> first = null;
      for (int round = 0; round < 2; round++) {
        Engine.getInstance().setRandomSeed(3);
        FractalNet net = regularizedFractalNet();
        net.initialize(m, DataType.FLOAT32, ONE);
        Map<String, Parameter> p = TorchKeys.parameters(net);
        float[] weightBefore =
            p.get("blocks.1.columns.1.convs.0.conv.weight").getArray().toFloatArray();
        if (round == 1) {
          // Other drop-path and dropout draws, other stale statistics: the same result.
          Engine.getInstance().setRandomSeed(99);
          for (Parameter s : BatchNormRecalibration.runningStatistics(net).values()) {
            s.getArray().set(new NDIndex("..."), 3f);
          }
        }
        BatchNormRecalibration.recalibrate(net, TRAIN, EVAL, 2, 12, 4, m);
        Map<String, float[]> stats = new LinkedHashMap<>();
        BatchNormRecalibration.runningStatistics(net)
            .forEach((k, v) -> stats.put(k, v.getArray().toFloatArray()));
        assertThat(p.get("blocks.1.columns.1.convs.0.conv.weight").getArray().toFloatArray())
            .containsExactly(weightBefore);
        if (first == null) {
          first = stats;
        } else {
          assertThat(stats.keySet()).isEqualTo(first.keySet());
          for (String k : stats.keySet()) {
            assertThat(stats.get(k)).as(k).containsExactly(first.get(k));
          }
        }
      }
      // Every statistic was rewritten: none is left at the stale value.
      for (Map.Entry<String, float[]> e : first.entrySet()) {
        assertThat(e.getValue()).as(e.getKey()).doesNotContain(3f);
      }
    }
  }

  @Test
  void tooFewImagesAreRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      Block net = ModelZoo.get("resnet20_cifar").create(new ModelOptions(10, 1));
      net.initialize(m, DataType.FLOAT32, ONE);
      assertThatThrownBy(() -> BatchNormRecalibration.recalibrate(net, TRAIN, EVAL, 0, 10, 0, m))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("at least 1 batch");
    }
  }

  /** Three blocks, three columns, with dropout and both kinds of drop-path on. */
  static FractalNet regularizedFractalNet() {
    return new FractalNet(
        FractalNetConfig.builder()
            .channels(List.of(8, 16, 16))
            .dropRates(List.of(0.2, 0.3, 0.4))
            .localDrop(0.3)
            .inChannels(1)
            .build());
  }

  static void assertClose(NDArray actual, NDArray expected) {
    float[] a = actual.toFloatArray();
    float[] e = expected.toFloatArray();
    assertThat(a).hasSameSizeAs(e);
    for (int i = 0; i < a.length; i++) {
      assertThat(Math.abs(a[i] - e[i]))
          .as("element %d", i)
          .isLessThan(1e-5f * (1 + Math.abs(e[i])));
    }
  }
}
