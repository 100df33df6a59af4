package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.NamedSequential;
import io.densefractal.train.Batches;
import io.densefractal.train.Checkpoint;
import io.densefractal.train.GradientSource;
import io.densefractal.train.Recipe;
import io.densefractal.train.RunData;
import io.densefractal.train.Sgd;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.Trainer;
import io.densefractal.train.TrainingDivergedException;
import io.densefractal.train.TrainingStep;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.block.TorchKeys;
import io.densefractal.weights.npy.Npy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on embedded Spark ({@code local[2]}, two workers): the command end to end
 * (run directory, resume), the pure data-parallel identity, equality with PyTorch's
 * DistributedDataParallel, and a NaN on one worker stopping the run.
 */
class SparkTrainTest {
  /**
   * The embedded session (made again after the command's run, which stops the session it used:
   * in one JVM that is this one).
   */
  static SparkSession spark() {
    return SparkSessions.start("local[2]", Map.of("spark.app.name", "spark train test"));
  }

  static JavaSparkContext sc() {
    return JavaSparkContext.fromSparkContext(spark().sparkContext());
  }

  @AfterAll
  static void stopSpark() {
    spark().stop();
  }

  private static Recipe sgd(int batch, int epochs) {
    return Recipe.named("resnet-cifar").toBuilder()
        .epochs(epochs)
        .batchSize(batch)
        .learningRate(0.05)
        .momentum(0.9)
        .nesterov(false)
        .weightDecay(5e-4)
        .build();
  }

  @Test
  void commandTrainsResumesAndWritesTheRunDirectory(@TempDir Path dir) throws Exception {
    Path run = dir.resolve("run");
    String[] common = {
      "--workers", "2", "--master", "local[2]", "--conf", "spark.ui.enabled=false"
    };
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        SparkMain.run(
            concat(
                new String[] {
                  "train", "-m", "resnet20_cifar", "--data", "demo", "--limit-train", "192",
                  "--limit-test", "64", "--epochs", "1", "--batch-size", "32", "--seed", "3",
                  "--out", run.toString()
                },
                common),
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("data-parallel: 2 workers x 1 thread(s) on local[2]")
        .contains("data-parallel: 6 steps")
        .contains("test accuracy:");
    for (String f :
        List.of(
            Trainer.LAST, Trainer.BEST, "state.json", "metrics.csv", "steps.csv", "loss.png",
            "accuracy.png", "confusion.png")) {
      assertThat(run.resolve(f)).isRegularFile();
    }
    assertThat(Checkpoint.read(run.resolve(Trainer.LAST)).state().globalStep()).isEqualTo(6);

    code =
        SparkMain.run(
            concat(new String[] {"train", "--resume", run.toString(), "--epochs", "2"}, common),
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("resuming resnet20_cifar from epoch 1 of 2");
    assertThat(Checkpoint.read(run.resolve(Trainer.LAST)).state().epochsDone()).isEqualTo(2);
    assertThat(Files.readAllLines(run.resolve("metrics.csv"))).hasSize(3);

    // Bad input: one line, exit 2 for a flag's value.
    StringWriter bad = new StringWriter();
    assertThat(
            SparkMain.run(
                new String[] {"train", "-m", "resnet20_cifar", "--data", "demo", "--workers", "0"},
                new PrintWriter(new StringWriter()),
                new PrintWriter(bad)))
        .isEqualTo(2);
    assertThat(bad.toString().strip().lines()).hasSize(1);
  }

  /** A network without BatchNorm: its gradient is a plain mean over the batch's images. */
  static Block batchNormFree(ModelOptions o) {
    return new NamedSequential()
        .add(
            "conv1",
            Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(8)
                .build())
        .add("relu", Activation.reluBlock())
        .add("pool", Pool.globalAvgPool2dBlock())
        .add("flatten", Blocks.batchFlattenBlock())
        .add("fc", Linear.builder().setUnits(o.numClasses()).build());
  }

  @Test
  void twoWorkersEqualOneWorkerAndOneProcessWithoutBatchNorm() {
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", sgd(16, 1)).limitTrain(64).seed(5).build();
    ModelFactory factory = (c, o) -> batchNormFree(o);
    int steps = 4;
    int[] order = order(64, steps * 16);
    Map<String, float[]> one = train(config, factory, order, steps, 0);
    Map<String, float[]> oneWorker = train(config, factory, order, steps, 1);
    Map<String, float[]> twoWorkers = train(config, factory, order, steps, 2);
    // Same maths in another process: equal to float rounding.
    assertClose(oneWorker, one, 1e-6);
    // Half a batch each, averaged: the same gradient summed in another order.
    assertClose(twoWorkers, one, 1e-5);
  }

  /**
   * The peer test. Exact here: Spark's two workers against this process's own computation of DDP's
   * maths (two replicas, mean gradient, buffers from worker 0) over two steps. Against PyTorch's
   * DistributedDataParallel (two gloo processes, same initial weights, same shards) over five SGD
   * steps with momentum and weight decay: every parameter and BatchNorm buffer within 1e-4, or on
   * hosts where oneDNN runs capped the difference measured there (docs/PLATFORMS.md).
   */
  @Test
  void twoWorkersEqualDistributedDataParallel(@TempDir Path dir) throws Exception {
    TorchReference.assumeAvailable();
    int batch = 32;
    for (String model : List.of("resnet20_cifar", "densenet_bc22_k12")) {
      Path d = Files.createDirectories(dir.resolve(model));
      Recipe recipe = sgd(batch, 1).toBuilder().learningRate(0.01).build();
      TrainConfig config =
          TrainConfig.builder(model, "demo", recipe).limitTrain(batch * 5).seed(11).build();
      int[] order = order(batch * 5, batch * 5);
      ModelFactory zoo = ModelFactory.zoo();
      Map<String, float[]> simulated = simulateDdp(config, zoo, order, 2, 2, d);
      assertClose(train(config, zoo, order, 2, 2), simulated, 1e-5);

      Map<String, float[]> spark = train(config, zoo, order, 5, 2);
      writeShards(config, order, 5, 2, d);
      Map<String, float[]> torch = torchDdp(model, recipe, 5, d);
      assertClose(spark, torch, TorchReference.ddpTolerance());
    }
  }

  /**
   * Embedded workers compute side by side, each with its share of the cores: their compute, summed,
   * exceeds the Spark jobs' time only when they overlap (workers taking turns stay below 1).
   */
  @Test
  void workersOfOneJvmComputeSideBySide() {
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", sgd(64, 1)).limitTrain(192).seed(4).build();
    StepTimes times = new StepTimes();
    train(config, ModelFactory.zoo(), order(192, 192), 3, 2, times);
    assertThat(times.steps()).isEqualTo(3);
    assertThat(times.concurrency()).as(times.toString()).isGreaterThan(1.2);
  }

  /**
   * A network whose forward draws random numbers (dropout) takes turns in one JVM: libtorch's one
   * generator would interleave the workers' draws. So a run repeats exactly.
   */
  @Test
  void workersOfARandomNetworkTakeTurnsAndRepeatExactly() {
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", sgd(32, 1)).limitTrain(96).seed(6).build();
    ModelFactory dropout = SparkTrainTest::withDropout;
    int[] order = order(96, 96);
    StepTimes times = new StepTimes();
    Map<String, float[]> first = train(config, dropout, order, 3, 2, times);
    assertThat(times.concurrency()).as(times.toString()).isLessThan(1);
    Map<String, float[]> second = train(config, dropout, order, 3, 2, new StepTimes());
    assertClose(second, first, 1e-12);
  }

  /** The probe tells networks that draw from those that do not, and leaves the buffers as found. */
  @Test
  void randomForwardFindsDropoutAndKeepsBatchNormBuffers() {
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", sgd(32, 1)).limitTrain(32).seed(6).build();
    RunData data = RunData.open(config);
    Map<ModelFactory, Boolean> expected =
        Map.of(ModelFactory.zoo(), false, SparkTrainTest::withDropout, true);
    expected.forEach(
        (factory, draws) -> {
          try (NDManager root = NDManager.newBaseManager()) {
            Block block = initialized(config, factory, data, root);
            FlatParameters flat = new FlatParameters(block);
            float[] before = flat.values();
            ParameterStore ps = new ParameterStore(root, false);
            assertThat(RandomForward.draws(block, ps, root, data.oneImage(), flat))
                .isEqualTo(draws);
            assertThat(flat.values()).containsExactly(before);
          }
        });
  }

  private static Block withDropout(TrainConfig c, ModelOptions o) {
    return new NamedSequential()
        .add("body", batchNormFree(o))
        .add("drop", Dropout.builder().optRate(0.5f).build());
  }

  @Test
  void aNanOnOneWorkerStopsTheRunKeepingTheLastCheckpoint(@TempDir Path dir) {
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", sgd(32, 3))
            .limitTrain(128)
            .limitTest(32)
            .seed(2)
            .build();
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
    // Four steps an epoch: global step 5 is the second step of epoch 2.
    DataParallel parallel =
        new DataParallel(2, 1, ModelFactory.zoo(), new WorkerFaults(1, 5));
    assertThatThrownBy(() -> SparkTrainJob.start(spark(), config, dir, parallel, out, false))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("epoch 2, step 2")
        .hasMessageContaining("NaN on worker 1 of 2")
        .hasMessageContaining("the last good checkpoint (epoch 1) is kept");
    assertThat(Checkpoint.read(dir.resolve(Trainer.LAST)).state().epochsDone()).isEqualTo(1);
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static String[] concat(String[] a, String[] b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The first {@code n} of a fixed permutation of {@code size} indices. */
  private static int[] order(int size, int n) {
    int[] all = io.densefractal.data.Shuffle.permutation(size, 99);
    return Arrays.copyOf(all, n);
  }

  private static final long AUGMENTATION = 1234;

  /** A seeded network of the factory, on the driver. */
  private static Block initialized(
      TrainConfig config, ModelFactory factory, RunData data, NDManager root) {
    Block block = factory.create(config, data.modelOptions());
    Engine.getInstance().setRandomSeed((int) config.seed());
    block.initialize(root, DataType.FLOAT32, data.oneImage());
    return block;
  }

  /**
   * {@code steps} SGD steps over {@code order}: {@code workers} Spark workers, or 0 for this
   * process alone. Returns the final state dict's values.
   */
  private static Map<String, float[]> train(
      TrainConfig config, ModelFactory factory, int[] order, int steps, int workers) {
    return train(config, factory, order, steps, workers, new StepTimes());
  }

  private static Map<String, float[]> train(
      TrainConfig config,
      ModelFactory factory,
      int[] order,
      int steps,
      int workers,
      StepTimes times) {
    RunData data = RunData.open(config);
    Recipe r = config.recipe();
    try (NDManager root = NDManager.newBaseManager()) {
      Block block = initialized(config, factory, data, root);
      ParameterStore ps = new ParameterStore(root, false);
      try (Sgd sgd = Sgd.of(TorchKeys.parameters(block), r, root)) {
        if (workers == 0) {
          for (int s = 0; s < steps; s++) {
            Batch b = batch(data, order, s, r.batchSize(), 0, 1);
            try (NDManager scope = root.newSubManager()) {
              NDArray target = Batches.targets(b, 10, 0, scope);
              TrainingStep.run(
                  block, ps, Batches.images(b, scope), Trainer.crossEntropy(target), 0, false);
            }
            sgd.step(r.learningRate());
          }
        } else {
          GradientSource.Context ctx = new GradientSource.Context(config, data, block, ps, root);
          try (SparkGradients g =
                  new SparkGradients(
                      sc(), ctx, factory, workers, 1, WorkerFaults.NONE, times);
              GradientSource.Pass pass = g.pass(0, order, r.batchSize(), AUGMENTATION)) {
            for (int s = 0; s < steps; s++) {
              GradientSource.Step step = pass.next(0);
              assertThat(step.loss()).isFinite();
              sgd.step(r.learningRate());
            }
          }
        }
      }
      return values(ModelWeights.stateDict(block));
    }
  }

  /** Worker {@code rank}'s shard of step {@code s}, as the workers assemble it. */
  private static Batch batch(RunData data, int[] order, int s, int batch, int rank, int workers) {
    int from = s * batch + WorkerStep.shardStart(batch, workers, rank);
    int to = s * batch + WorkerStep.shardStart(batch, workers, rank + 1);
    return BatchLoader.assemble(
        data.train(),
        data.trainTransform(),
        Arrays.copyOfRange(order, from, to),
        from,
        AUGMENTATION);
  }

  /**
   * DDP's maths in this process: per step, every worker's replica (a network of its own) takes the
   * driver's weights and buffers and computes its shard's gradient in training mode; the mean
   * gradient is applied to the driver's weights; buffers follow worker 0. Writes the initial
   * weights for the torch reference.
   */
  private static Map<String, float[]> simulateDdp(
      TrainConfig config, ModelFactory factory, int[] order, int steps, int workers, Path dir) {
    RunData data = RunData.open(config);
    Recipe r = config.recipe();
    try (NDManager root = NDManager.newBaseManager()) {
      Block block = initialized(config, factory, data, root);
      WeightFiles.write(ModelWeights.stateDict(block), dir.resolve("weights.pth"));
      ParameterStore ps = new ParameterStore(root, false);
      FlatParameters driver = new FlatParameters(block);
      driver.materializeGradients(root);
      Block[] replicas = new Block[workers];
      FlatParameters[] flat = new FlatParameters[workers];
      for (int rank = 0; rank < workers; rank++) {
        replicas[rank] = factory.create(config, data.modelOptions());
        replicas[rank].initialize(root, DataType.FLOAT32, data.oneImage());
        flat[rank] = new FlatParameters(replicas[rank]);
      }
      try (Sgd sgd = Sgd.of(TorchKeys.parameters(block), r, root)) {
        for (int s = 0; s < steps; s++) {
          float[] start = driver.values();
          float[] sum = new float[driver.trainableSize()];
          for (int rank = 0; rank < workers; rank++) {
            flat[rank].setValues(start);
            Batch b = batch(data, order, s, r.batchSize(), rank, workers);
            try (NDManager scope = root.newSubManager()) {
              NDArray target = Batches.targets(b, 10, 0, scope);
              TrainingStep.run(
                  replicas[rank],
                  ps,
                  Batches.images(b, scope),
                  Trainer.crossEntropy(target),
                  0,
                  false);
            }
            float[] g = flat[rank].gradients();
            flat[rank].zeroGradients();
            for (int i = 0; i < g.length; i++) {
              sum[i] += g[i];
            }
          }
          for (int i = 0; i < sum.length; i++) {
            sum[i] /= workers;
          }
          driver.setGradients(sum);
          driver.setBuffers(flat[0].bufferValues());
          sgd.step(r.learningRate());
        }
      }
      return values(ModelWeights.stateDict(block));
    }
  }

  /** Every worker's shard of every step, as .npy for the torch reference. */
  private static void writeShards(
      TrainConfig config, int[] order, int steps, int workers, Path dir) {
    RunData data = RunData.open(config);
    for (int s = 0; s < steps; s++) {
      for (int rank = 0; rank < workers; rank++) {
        Batch b = batch(data, order, s, config.recipe().batchSize(), rank, workers);
        Npy.write(
            Tensor.ofFloats(new long[] {b.count(), 1, 28, 28}, b.images()),
            dir.resolve("x_" + s + "_" + rank + ".npy"));
        long[] labels = Arrays.stream(b.labels()).asLongStream().toArray();
        Npy.write(
            Tensor.ofLongs(new long[] {b.count()}, labels),
            dir.resolve("y_" + s + "_" + rank + ".npy"));
      }
    }
  }

  private static Map<String, float[]> torchDdp(String model, Recipe r, int steps, Path dir)
      throws Exception {
    TorchReference.assumeAvailable();
    Path out = dir.resolve("ddp.pth");
    TorchReference.run(
        "ddp_reference.py",
        "--model", model,
        "--dir", dir.toString(),
        "--out", out.toString(),
        "--steps", Integer.toString(steps),
        "--lr", Double.toString(r.learningRate()),
        "--momentum", Double.toString(r.momentum()),
        "--wd", Double.toString(r.weightDecay()),
        "--port", Integer.toString(TorchReference.freePort()));
    return values(WeightFiles.read(out));
  }

  private static Map<String, float[]> values(StateDict sd) {
    Map<String, float[]> out = new java.util.LinkedHashMap<>();
    sd.tensors()
        .forEach(
            (k, t) -> {
              if (!k.endsWith(TorchKeys.NUM_BATCHES_TRACKED)) {
                out.put(k, t.toFloatArray());
              }
            });
    return out;
  }

  /** Every tensor: max |a − b| / max |b| below {@code tolerance}. */
  static void assertClose(Map<String, float[]> actual, Map<String, float[]> expected, double tol) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    double worst = 0;
    String worstKey = null;
    for (String k : expected.keySet()) {
      float[] a = actual.get(k);
      float[] b = expected.get(k);
      assertThat(a.length).as(k).isEqualTo(b.length);
      double diff = 0;
      double scale = 1e-12;
      for (int i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(b[i]));
      }
      if (diff / scale > worst) {
        worst = diff / scale;
        worstKey = k;
      }
    }
    System.err.printf("max relative difference %.3g (%s), tolerance %.1g%n", worst, worstKey, tol);
    assertThat(worst).as("max relative difference, at " + worstKey).isLessThan(tol);
  }
}
