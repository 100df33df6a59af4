package io.densefractal.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.BatchNormFolding;
import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.recompute.SegmentedNetwork;
import io.densefractal.train.Recipe;
import io.densefractal.train.Sgd;
import io.densefractal.train.TrainingStep;
import io.densefractal.weights.block.TorchKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Times training or inference steps of a zoo model on random data, the same work as
 * bench/torch_step.py does in PyTorch: train = the step {@code train} runs (forward, cross-entropy,
 * backward, then SGD with the model's recipe's momentum and weight decay); infer = eval-mode
 * forward without a graph. Every step runs in its own memory scope.
 */
public final class StepBenchmark {
  private static final float LEARNING_RATE = 0.01f;

  private StepBenchmark() {}

  public static BenchResult run(BenchConfig c) {
    ModelSpec spec = ModelZoo.get(c.model());
    Block block = spec.create(new ModelOptions(c.numClasses(), c.inChannels(), c.memoryFormat()));
    if (c.memoryEfficient() && SegmentedNetwork.of(block).isEmpty()) {
      throw new ConfigException(c.model() + " has no memory-efficient mode (DenseNet models have)");
    }
    Engine.getInstance().setRandomSeed(0);
    double[] ms = new double[c.iters()];
    double[] standardMs = new double[c.iters()];
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, c.inChannels(), c.size(), c.size()));
      if (c.foldBatchNorm()) {
        if (!(block instanceof BatchNormFolding folding)) {
          throw new ConfigException(c.model() + " has no conv + BatchNorm pairs to fold");
        }
        folding.foldBatchNorm();
      }
      Block runner = runner(block, c);
      ParameterStore ps = new ParameterStore(manager, false);
      Shape input = new Shape(c.batch(), c.inChannels(), c.size(), c.size());
      NDArray x = manager.randomNormal(input);
      NDArray oneHot =
          manager
              .arange(0, c.batch(), 1, DataType.INT64)
              .mod(c.numClasses())
              .oneHot(c.numClasses());
      UnaryOperator<NDArray> loss =
          logits -> logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
      try (Sgd sgd = Sgd.of(TorchKeys.parameters(block), Recipe.defaultRecipe(spec), manager)) {
        for (int i = -c.warmup(); i < c.iters(); i++) {
          // Paired with a standard step, the two take turns going first.
          boolean standardFirst = c.versusStandard() && i % 2 != 0;
          double standard =
              standardFirst ? timeStep(runner, ps, x, loss, c, i, false, sgd, manager) : 0;
          double t = timeStep(runner, ps, x, loss, c, i, c.memoryEfficient(), sgd, manager);
          if (c.versusStandard() && !standardFirst) {
            standard = timeStep(runner, ps, x, loss, c, i, false, sgd, manager);
          }
          if (i >= 0) {
            ms[i] = t;
            standardMs[i] = standard;
          }
        }
      }
    }
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    double median = median(ms);
    BenchResult.Comparison standard = null;
    if (c.versusStandard()) {
      double[] ratios = new double[ms.length];
      for (int i = 0; i < ms.length; i++) {
        ratios[i] = ms[i] / standardMs[i];
      }
      standard = new BenchResult.Comparison(median(standardMs), median(ratios));
    }
    return new BenchResult(
        c,
        intraOpThreads(),
        median,
        sorted[0],
        sorted[sorted.length - 1],
        c.batch() * 1000.0 / median,
        peakRssMb(),
        standard);
  }

  /** Milliseconds of one step in its own memory scope. */
  private static double timeStep(
      Block runner,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      BenchConfig c,
      long stepSeed,
      boolean memoryEfficient,
      Sgd sgd,
      NDManager manager) {
    long t0 = System.nanoTime();
    try (NDManager step = manager.newSubManager()) {
      x.tempAttach(step);
      if (c.mode().equals("infer")) {
        runner.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      } else {
        trainStep(runner, ps, x, loss, c, stepSeed, memoryEfficient, sgd);
      }
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The block to run: the network, or one of its columns. */
  private static Block runner(Block block, BenchConfig c) {
    if (c.column() != null && c.memoryEfficient()) {
      throw new ConfigException("--column and --memory-efficient cannot be combined");
    }
    return AnytimeNetwork.columnOrWhole(block, c.column(), c.model());
  }

  /** The step {@code train} runs: {@link TrainingStep}, then the {@link Sgd} update. */
  private static void trainStep(
      Block runner,
      ParameterStore ps,
      NDArray x,
      UnaryOperator<NDArray> loss,
      BenchConfig c,
      long stepSeed,
      boolean memoryEfficient,
      Sgd sgd) {
    TrainingStep.run(runner, ps, x, loss, stepSeed, memoryEfficient, c.tailBudget());
    sgd.step(LEARNING_RATE);
  }

  /** libtorch's intra-op thread count, as set by -Dai.djl.pytorch.num_threads. */
  private static int intraOpThreads() {
    String configured = System.getProperty("ai.djl.pytorch.num_threads");
    return configured != null
        ? Integer.parseInt(configured)
        : Runtime.getRuntime().availableProcessors();
  }

  /** The process's peak resident set (VmHWM), in MB; -1 where /proc is missing. */
  public static long peakRssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
