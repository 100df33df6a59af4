package io.densefractal.models.fractalnet;

import static io.densefractal.testing.Close.relativeMaxDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.analysis.LayerSummary;
import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FractalNet structure, parameter counts, joins, drop-path and anytime columns. */
class FractalNetTest {
  static final Pattern UNIT =
      Pattern.compile("blocks\\.(\\d+)\\.columns\\.(\\d+)\\.convs\\.(\\d+)\\.conv");

  @ParameterizedTest(name = "{0}: deepest column {1} conv layers")
  @CsvSource({"fractalnet20, 3, 20", "fractalnet40, 4, 40"})
  void columnsHaveTwoToTheIMinusOneUnits(String name, int columns, int deepest) {
    ModelSpec spec = ModelZoo.get(name);
    ModelSummary s = ModelSummary.of(spec, spec.defaults(), 32);
    int[][] units = new int[5][columns];
    for (LayerSummary l : s.layers()) {
      Matcher m = UNIT.matcher(l.name());
      if (m.matches()) {
        units[Integer.parseInt(m.group(1))][Integer.parseInt(m.group(2))]++;
      }
    }
    int deepestTotal = 0;
    for (int b = 0; b < 5; b++) {
      for (int c = 0; c < columns; c++) {
        assertThat(units[b][c]).as("block %d column %d", b, c + 1).isEqualTo(1 << c);
      }
      deepestTotal += units[b][columns - 1];
    }
    assertThat(deepestTotal).isEqualTo(deepest);
  }

  @Test
  void parameterCountsOfTheDocumentedChoices() {
    ModelSpec spec = ModelZoo.get("fractalnet20");
    long projected = ModelSummary.of(spec, spec.defaults(), 32).params();
    assertThat(projected).isEqualTo(38_912_202L);
    assertThat(Math.abs(projected - 38.6e6) / 38.6e6).isLessThan(0.01); // the paper's 38.6 M
    FractalNetConfig direct =
        FractalNetConfig.builder().blockInput(FractalNetConfig.BlockInput.DIRECT).build();
    try (NDManager m = NDManager.newBaseManager()) {
      FractalNet net = new FractalNet(direct);
      net.setInitializer(ai.djl.training.initializer.Initializer.ZEROS, x -> true);
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      assertThat(ModelSummary.of("direct", net, new Shape(1, 3, 32, 32)).params())
          .isEqualTo(33_724_618L); // the authors' released generator
    }
  }

  static FractalNet small(int blocks, int columns, double localDrop, double globalFraction) {
    return small(blocks, columns, localDrop, globalFraction, false);
  }

  static FractalNet small(
      int blocks, int columns, double localDrop, double globalFraction, boolean perSample) {
    List<Integer> widths = List.of(8, 16, 16).subList(0, blocks);
    List<Double> rates = List.of(0.0, 0.0, 0.0).subList(0, blocks);
    return new FractalNet(
        FractalNetConfig.builder()
            .columns(columns)
            .channels(widths)
            .dropRates(rates)
            .localDrop(localDrop)
            .globalFraction(globalFraction)
            .perSampleGlobal(perSample)
            .numClasses(4)
            .build());
  }

  @Test
  void inferenceJoinIsThePlainMean() {
    // One block, two columns: the head is linear after the last join, so the network's eval
    // output is exactly the mean of its two columns' outputs.
    Engine.getInstance().setRandomSeed(1);
    FractalNet net = small(1, 2, 0.15, 0.5);
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
      float[] whole = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      NDArray c1 = net.column(1).forward(ps, new NDList(x), false).singletonOrThrow();
      NDArray c2 = net.column(2).forward(ps, new NDList(x), false).singletonOrThrow();
      assertThat(relativeMaxDiff(whole, c1.add(c2).div(2).toFloatArray())).isLessThan(1e-5);
    }
  }

  @Test
  void globalDropPathRunsExactlyOneColumnAndEachColumnGetsPicked() {
    Engine.getInstance().setRandomSeed(2);
    FractalNet net = small(2, 3, 0, 1.0);
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(4, 3, 16, 16));
      float[][] columns = new float[3][];
      for (int i = 1; i <= 3; i++) {
        // Training mode: BatchNorm uses batch statistics, so outputs do not depend on history.
        columns[i - 1] =
            net.column(i).forward(ps, new NDList(x), true).singletonOrThrow().toFloatArray();
      }
      int[] picked = new int[3];
      for (int step = 0; step < 60; step++) {
        float[] out = net.forward(ps, new NDList(x), true).singletonOrThrow().toFloatArray();
        int match = -1;
        for (int i = 0; i < 3; i++) {
          if (relativeMaxDiff(out, columns[i]) < 1e-5) {
            match = i;
          }
        }
        assertThat(match).as("step %d equals one column", step).isNotNegative();
        picked[match]++;
      }
      assertThat(java.util.Arrays.stream(picked).min().getAsInt())
          .isGreaterThanOrEqualTo(8); // ~20 each
    }
  }

  @Test
  void localDropPathNeverDropsEveryInputAndKeepsTheRightShare() {
    Engine.getInstance().setRandomSeed(3);
    try (NDManager m = NDManager.newBaseManager()) {
      DropPath.Masks local = DropPath.local(m, 0.15);
      int draws = 4000;
      int[] keptCount = new int[3];
      for (int i = 0; i < draws; i++) {
        boolean[] keep = local.sample(2);
        int kept = (keep[0] ? 1 : 0) + (keep[1] ? 1 : 0);
        keptCount[kept]++;
      }
      assertThat(keptCount[0]).isZero();
      // P(both kept) = 0.85² = 0.7225; one kept = 2·0.15·0.85 + 0.15² (rescued) = 0.2775.
      assertThat(keptCount[2] / (double) draws).isBetween(0.70, 0.745);
      assertThat(keptCount[1] / (double) draws).isBetween(0.255, 0.30);
    }
  }

  @Test
  void identityShortPathsLeaveOnlyTheDeepestColumnWithConvolutions() {
    // f_{C+1}(z) = join(f_C(f_C(z)), z): the block is a mean of its input and a deep path.
    Engine.getInstance().setRandomSeed(4);
    FractalNet net =
        new FractalNet(
            FractalNetConfig.builder()
                .columns(2)
                .channels(List.of(8))
                .dropRates(List.of(0.0))
                .identityShortPath(true)
                .numClasses(4)
                .build());
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
      assertThat(io.densefractal.weights.block.TorchKeys.parameters(net).keySet())
          .anyMatch(k -> k.startsWith("blocks.0.columns.1.convs.1."))
          .noneMatch(k -> k.startsWith("blocks.0.columns.0.convs."));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
      float[] whole = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      NDArray c1 = net.column(1).forward(ps, new NDList(x), false).singletonOrThrow();
      NDArray c2 = net.column(2).forward(ps, new NDList(x), false).singletonOrThrow();
      assertThat(relativeMaxDiff(whole, c1.add(c2).div(2).toFloatArray())).isLessThan(1e-5);
    }
  }

  @Test
  void aboutHalfTheBatchesAreGlobalWithUniformColumns() {
    Engine.getInstance().setRandomSeed(6);
    try (NDManager m = NDManager.newBaseManager()) {
      int draws = 3000;
      int[] columns = new int[3];
      int global = 0;
      for (int i = 0; i < draws; i++) {
        DropPath.Plan plan = DropPath.plan(m, 0.5, 3);
        if (plan.isGlobal()) {
          global++;
          columns[plan.globalColumn()]++;
        }
      }
      assertThat(global / (double) draws).isBetween(0.46, 0.54);
      for (int c : columns) {
        assertThat(c / (double) global).isBetween(0.29, 0.38);
      }
    }
  }

  @Test
  void droppedPathsGetExactlyZeroGradientAndInferenceIsDeterministic() {
    Engine.getInstance().setRandomSeed(7);
    FractalNet net = small(1, 2, 0.15, 0.5);
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
      // Join inputs are ordered deepest column first: keep the deep one, drop the shallow one.
      try (ai.djl.training.GradientCollector c = Engine.getInstance().newGradientCollector()) {
        c.backward(
            net.forwardAll(ps, x, true, DropPath.batchMasks(n -> new boolean[] {true, false}))
                .sum());
      }
      var params = io.densefractal.weights.block.TorchKeys.parameters(net);
      NDArray dropped =
          params.get("blocks.0.columns.0.convs.0.conv.weight").getArray().getGradient();
      NDArray kept = params.get("blocks.0.columns.1.convs.0.conv.weight").getArray().getGradient();
      assertThat(dropped.abs().max().getFloat()).isZero();
      assertThat(kept.abs().max().getFloat()).isPositive();
      float[] a = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      float[] b = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      assertThat(a).containsExactly(b);
    }
  }

  @Test
  void perSampleGlobalDropPathGivesEachSampleItsOwnColumn() {
    Engine.getInstance().setRandomSeed(8);
    FractalNet net = small(2, 3, 0.15, 1.0, true);
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
      ParameterStore ps = new ParameterStore(m, false);
      NDArray x = m.randomNormal(new Shape(4, 3, 16, 16));
      int[] plan = {0, 2, 1, 2};
      // Eval-mode BatchNorm keeps samples independent, so each row can be checked on its own.
      float[] mixed =
          net.forwardAll(ps, x, false, DropPath.perSample(m, plan, 0.15)).toFloatArray();
      for (int s = 0; s < 4; s++) {
        float[] column =
            net.column(plan[s] + 1)
                .forward(ps, new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
        float[] rowMixed = java.util.Arrays.copyOfRange(mixed, s * 4, s * 4 + 4);
        float[] rowColumn = java.util.Arrays.copyOfRange(column, s * 4, s * 4 + 4);
        assertThat(relativeMaxDiff(rowMixed, rowColumn)).as("sample %d", s).isLessThan(1e-5);
      }
      // and the training forward runs in this mode
      assertThat(net.forward(ps, new NDList(x), true).singletonOrThrow().getShape())
          .isEqualTo(new Shape(4, 4));
    }
  }

  @Test
  void invalidConfigurationsAndColumnsSayWhatIsWrong() {
    FractalNetConfig p = FractalNetConfig.paper(3);
    assertThatThrownBy(
            () -> FractalNetConfig.builder().columns(0).blockInput(p.blockInput()).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("at least one column");
    assertThatThrownBy(
            () ->
                FractalNetConfig.builder()
                    .dropRates(List.of(0.1))
                    .blockInput(p.blockInput())
                    .build())
        .hasMessageContaining("one drop rate per block");
    assertThatThrownBy(
            () ->
                FractalNetConfig.builder()
                    .blockInput(FractalNetConfig.BlockInput.DIRECT)
                    .identityShortPath(true)
                    .build())
        .hasMessageContaining("identity short paths need");
    Block net = ModelZoo.get("fractalnet20").create();
    assertThatThrownBy(() -> ((FractalNet) net).column(4)).hasMessageContaining("1..3");
  }
}
