package io.densefractal.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.DenseFractalException;
import io.densefractal.analysis.MemoryGuard;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Shuffle;
import io.densefractal.files.AtomicFiles;
import io.densefractal.files.RunLock;
import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.recompute.SegmentedNetwork;
import io.densefractal.report.ConfusionChart;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.LoadReport;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.block.TorchKeys;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/**
 * The training loop: any zoo model on any dataset with a {@link Recipe}, one scoped memory region
 * per step, evaluation after each epoch, metrics, plots and atomic checkpoints in a run directory.
 *
 * <p>Run directory: {@code checkpoint-last.safetensors} (weights + optimizer + state, for {@code
 * --resume}), {@code checkpoint-best.safetensors} (weights of the best test accuracy), {@code
 * state.json}, {@code metrics.csv}, {@code metrics.jsonl}, {@code steps.csv} (every tenth of an
 * epoch), {@code loss.png}, {@code accuracy.png}, {@code confusion.png}.
 *
 * <p>Resuming is bit-exact: data order, augmentation and the engine's generator (dropout,
 * drop-path) are derived from (seed, epoch, step) rather than carried along, and checkpoints hold
 * the weights, BatchNorm statistics and momentum buffers.
 */
public final class Trainer {
  public static final String LAST = "checkpoint-last.safetensors";
  public static final String BEST = "checkpoint-best.safetensors";
  private static final int EVAL_BATCH = 128;

  private final PrintStream out;
  private final boolean terminal;
  private final GradientSource.Factory gradients;

  /**
   * @param out where progress and per-epoch lines go
   * @param terminal redraw a progress bar in place (else print plain lines)
   */
  public Trainer(PrintStream out, boolean terminal) {
    this(out, terminal, LocalGradients::new);
  }

  /**
   * A trainer whose batches' gradients come from {@code gradients} (data-parallel workers); the
   * weights, optimizer, schedule, evaluation, checkpoints and logs stay here.
   */
  public Trainer(PrintStream out, boolean terminal, GradientSource.Factory gradients) {
    this.out = out;
    this.terminal = terminal;
    this.gradients = gradients;
  }

  /** Starts a new run in {@code runDir} (created if needed; it must not hold a run already). */
  public TrainResult start(TrainConfig config, Path runDir) {
    return start(config, runDir, Integer.MAX_VALUE);
  }

  /** {@link #start(TrainConfig, Path)}, returning after {@code stopAfter} epochs (tests). */
  public TrainResult start(TrainConfig config, Path runDir, int stopAfter) {
    refuseExistingRun(runDir);
    return run(runDir, config, null, stopAfter);
  }

  private static void refuseExistingRun(Path runDir) {
    Path last = runDir.resolve(LAST);
    if (Files.exists(last)) {
      TrainingState s = Checkpoint.read(last).state();
      throw new DenseFractalException(
          String.format(
              Locale.ROOT,
              "%s already holds a run (%s, epoch %d of %d): continue it with --resume %s, or"
                  + " choose another --out",
              runDir,
              s.config().model(),
              s.epochsDone(),
              s.config().recipe().epochs(),
              runDir));
    }
  }

  /**
   * Continues the run in {@code runDir} from its last checkpoint.
   *
   * @param override changes to the run's recipe (a new total of epochs, a lower learning rate after
   *     a divergence), or null; any change makes the run differ from an uninterrupted one
   */
  public TrainResult resume(Path runDir, UnaryOperator<Recipe> override) {
    if (!Files.isDirectory(runDir)) {
      throw new DenseFractalException(
          "--resume " + runDir + ": no such run directory (train writes one with --out)");
    }
    // Locked before reading: a run being trained is refused, not read half-way.
    try (RunLock lock = RunLock.acquire(runDir)) {
      Checkpoint checkpoint = Checkpoint.read(runDir.resolve(LAST));
      TrainConfig config = checkpoint.state().config();
      if (override != null) {
        config = config.toBuilder().recipe(override.apply(config.recipe())).build();
      }
      if (checkpoint.state().epochsDone() >= config.recipe().epochs()) {
        throw new DenseFractalException(
            String.format(
                Locale.ROOT,
                "the run in %s has finished its %d epochs; to train longer, resume with --epochs N"
                    + " (N > %d)",
                runDir,
                config.recipe().epochs(),
                checkpoint.state().epochsDone()));
      }
      return run(runDir, config, checkpoint, Integer.MAX_VALUE, null);
    }
  }

  /** What one run works with: its directory, configuration, data, network and logs. */
  private record Run(
      Path dir, TrainConfig config, RunData data, Block block, MetricsLog log, StepLog steps) {}

  /** A new run: validated first, then its directory is created, locked and cleared. */
  private TrainResult run(Path runDir, TrainConfig c, Checkpoint from, int stopAfter) {
    ModelSpec spec = ModelZoo.get(c.model());
    RunData data = RunData.open(c);
    Block block = spec.create(data.modelOptions());
    checkRunnable(c, data, block);
    if (c.initialWeights() != null) {
      // A damaged file is reported before the run directory exists.
      Checkpoint.modelWeights(WeightFiles.read(Path.of(c.initialWeights())));
    }
    // Only now, with model and data known to be usable, does the directory appear.
    boolean created = !Files.exists(runDir);
    createDirectories(runDir);
    try (RunLock lock = RunLock.acquire(runDir)) {
      refuseExistingRun(runDir); // another process may have finished a run here meanwhile
      RunFiles.clearDeadRun(runDir, out);
      return run(runDir, c, from, stopAfter, new Prepared(data, block));
    } catch (RuntimeException e) {
      if (created) {
        RunFiles.removeIfUnused(runDir);
      }
      throw e;
    }
  }

  /** Model and data of a run, once opened. */
  private record Prepared(RunData data, Block block) {}

  private static void checkRunnable(TrainConfig c, RunData data, Block block) {
    if (c.memoryEfficient() && SegmentedNetwork.of(block).isEmpty()) {
      throw new ConfigException(
          c.model()
              + " has no memory-efficient mode (DenseNet models have); drop --memory-efficient");
    }
    if (data.train().size() < 2) {
      // BatchNorm cannot normalise a batch of one image: nothing would be trained.
      throw new ConfigException(
          "the training set has "
              + data.train().size()
              + " image(s) (--limit-train "
              + c.limitTrain()
              + "); training needs at least 2 (BatchNorm cannot normalise one image)");
    }
    if (data.test().size() < 1) {
      throw new ConfigException(
          "the test set is empty (--limit-test " + c.limitTest() + "); give at least 1 image");
    }
    int size = data.trainTransform().size();
    int batch = c.recipe().batchSize();
    MemoryGuard.require(
        ModelZoo.get(c.model()),
        data.modelOptions(),
        size,
        Math.max(batch, EVAL_BATCH),
        c.memoryEfficient() ? MemoryGuard.Work.TRAIN_MEMORY_EFFICIENT : MemoryGuard.Work.TRAIN,
        String.format(
            Locale.ROOT, "training %s with --batch-size %d at %dx%d", c.model(), batch, size, size));
  }

  private TrainResult run(
      Path runDir, TrainConfig c, Checkpoint from, int stopAfter, Prepared prepared) {
    if (prepared == null) {
      ModelSpec spec = ModelZoo.get(c.model());
      RunData opened = RunData.open(c);
      prepared = new Prepared(opened, spec.create(opened.modelOptions()));
      checkRunnable(c, opened, prepared.block());
      RunFiles.removeOrphanTemps(runDir);
    }
    RunData data = prepared.data();
    Block block = prepared.block();
    Run run = new Run(runDir, c, data, block, new MetricsLog(runDir), new StepLog(runDir));
    try (NDManager root = NDManager.newBaseManager()) {
      TrainingState state = from != null ? restore(run, from, root) : begin(run, root);
      ParameterStore ps = new ParameterStore(root, false);
      try (Sgd sgd = Sgd.of(TorchKeys.parameters(block), c.recipe(), root);
          GradientSource source =
              gradients.open(new GradientSource.Context(c, data, block, ps, root))) {
        if (from != null) {
          sgd.load(from.optimizer());
        }
        printHeader(run, source);
        EvalResult eval = null;
        int end = (int) Math.min(c.recipe().epochs(), (long) state.epochsDone() + stopAfter);
        for (int epoch = state.epochsDone(); epoch < end; epoch++) {
          long t0 = System.nanoTime();
          EpochStats stats = trainEpoch(run, source, sgd, state, epoch);
          double seconds = (System.nanoTime() - t0) / 1e9;
          eval =
              Evaluator.evaluate(
                  block, data.test(), data.evalTransform(), EVAL_BATCH, data.classes(), root);
          state = endEpoch(run, sgd, state, stats, seconds, eval);
        }
        return new TrainResult(runDir, state, run.log.read(), eval);
      }
    }
  }

  /** A new run: seeded (or file) initial weights, nothing done yet. */
  private TrainingState begin(Run run, NDManager root) {
    TrainConfig c = run.config;
    Engine.getInstance().setRandomSeed((int) c.seed());
    initialize(run.block, root, run.data.oneImage(), c, run.data.modelOptions());
    return new TrainingState(c, run.data.classes(), 0, 0, -1, 0);
  }

  /** A resumed run: the checkpoint's weights and state; logs cut back to the checkpoint. */
  private TrainingState restore(Run run, Checkpoint from, NDManager root) {
    List<String> classes = run.data.classes();
    if (!from.state().classes().equals(classes)) {
      throw new DenseFractalException(
          "the dataset's classes changed since the checkpoint was written: "
              + from.state().classes()
              + " then, "
              + classes
              + " now");
    }
    ModelWeights.initialize(run.block, root, run.data.oneImage(), from.model(), true);
    TrainingState done = from.state();
    TrainingState state =
        new TrainingState(
            run.config,
            classes,
            done.epochsDone(),
            done.globalStep(),
            done.bestAccuracy(),
            done.bestEpoch());
    run.log.truncateTo(state.epochsDone());
    run.steps.truncateTo(state.globalStep());
    out.printf(
        Locale.ROOT,
        "resuming %s from epoch %d of %d (%s)%n",
        run.config.model(),
        state.epochsDone(),
        run.config.recipe().epochs(),
        run.dir.resolve(LAST));
    return state;
  }

  private void printHeader(Run run, GradientSource source) {
    TrainConfig c = run.config;
    Recipe recipe = c.recipe();
    int size = run.data.trainTransform().size();
    out.printf(
        Locale.ROOT,
        "training %s on %s: %d train / %d test images, %d classes, %dx%d; recipe %s, %d"
            + " epochs, batch %d, lr %s%s%s%n",
        c.model(),
        c.dataset(),
        run.data.train().size(),
        run.data.test().size(),
        run.data.classes().size(),
        size,
        size,
        recipe.name(),
        recipe.epochs(),
        recipe.batchSize(),
        recipe.learningRate(),
        c.memoryEfficient() ? ", memory-efficient" : "",
        source.describe());
  }

  /**
   * Records a finished epoch: prints its line, appends the metrics, writes the checkpoints, the
   * state and the plots. Returns the state after it.
   */
  private TrainingState endEpoch(
      Run run, Sgd sgd, TrainingState before, EpochStats stats, double seconds, EvalResult eval) {
    TrainConfig c = run.config;
    List<String> classes = run.data.classes();
    int epoch = before.epochsDone();
    EpochMetrics m =
        new EpochMetrics(
            epoch + 1,
            stats.lastLearningRate,
            stats.loss(),
            stats.accuracy(),
            eval.loss(),
            eval.top1(),
            eval.top5(),
            seconds,
            stats.count / seconds);
    boolean best = eval.top1() > before.bestAccuracy();
    TrainingState state =
        new TrainingState(
            c,
            classes,
            epoch + 1,
            stats.globalStep,
            best ? eval.top1() : before.bestAccuracy(),
            best ? epoch + 1 : before.bestEpoch());
    out.printf(
        Locale.ROOT,
        "epoch %d/%d  lr %.4g  train loss %.4f acc %.2f %%  test loss %.4f acc %.2f %%"
            + " top-5 %.2f %%  %.1f s  %.0f img/s%s%n",
        epoch + 1,
        c.recipe().epochs(),
        m.learningRate(),
        m.trainLoss(),
        100 * m.trainAccuracy(),
        m.testLoss(),
        100 * m.testAccuracy(),
        100 * m.testTop5(),
        seconds,
        m.imagesPerSecond(),
        best ? "  (best)" : "");
    // Metrics first, checkpoint second: a resume truncates the log to the checkpoint, and a
    // checkpoint that fails to write takes its epoch out of the logs again.
    run.log.append(m);
    ModelOptions options = run.data.modelOptions();
    StateDict weights =
        WeightsMetadata.tagTraining(
            WeightsMetadata.tag(
                ModelWeights.stateDict(run.block),
                c.model(),
                options.numClasses(),
                options.inChannels()),
            c.dataset(),
            classes,
            run.data.trainTransform().size());
    try {
      String bad = FiniteWeights.firstNonFinite(weights);
      if (bad != null) {
        throw new TrainingDivergedException(
            String.format(
                Locale.ROOT,
                "training diverged in epoch %d: %s holds NaN or infinite values, so no checkpoint"
                    + " of it is written; %s. Lower --lr or add --warmup, then start again or"
                    + " --resume",
                epoch + 1,
                bad,
                epoch == 0
                    ? "no checkpoint was written yet"
                    : "the last finite checkpoint (epoch " + epoch + ") is kept"));
      }
      new Checkpoint(weights, sgd.state(), state).write(run.dir.resolve(LAST));
    } catch (RuntimeException e) {
      try {
        run.log.truncateTo(epoch);
        run.steps.truncateTo(before.globalStep());
      } catch (RuntimeException alsoFailed) {
        // (a full disk) the next start or --resume cuts the logs back to the checkpoint
        e.addSuppressed(alsoFailed);
      }
      throw e;
    }
    if (best) {
      WeightFiles.write(weights, run.dir.resolve(BEST));
    }
    writeState(run.dir, state);
    TrainingCurves.write(run.dir, run.log.read(), run.steps.read());
    ConfusionChart.write(run.dir.resolve("confusion.png"), eval.confusion(), classes);
    return state;
  }

  /** Seeded random init, or initial weights from a file (a new head where classes differ). */
  private void initialize(
      Block block, NDManager root, Shape oneImage, TrainConfig c, ModelOptions options) {
    if (c.initialWeights() == null) {
      block.initialize(root, DataType.FLOAT32, oneImage);
      return;
    }
    StateDict weights = Checkpoint.modelWeights(WeightFiles.read(Path.of(c.initialWeights())));
    LoadReport report = ModelWeights.initialize(block, root, oneImage, weights, false);
    out.printf(
        Locale.ROOT,
        "initial weights from %s: %d tensors loaded, %d kept from the random init%s%n",
        c.initialWeights(),
        report.loaded().size(),
        report.missing().size() + report.mismatched().size(),
        report.mismatched().isEmpty() ? "" : " (shape differs: " + report.mismatched() + ")");
  }

  /** Running sums of one epoch. */
  private static final class EpochStats {
    double lossSum;
    long correct;
    long count;
    long globalStep;
    double lastLearningRate;

    // Sums at the start of the current stretch of steps (StepLog's tenth of an epoch).
    double windowLossSum;
    long windowCorrect;
    long windowCount;

    double loss() {
      return lossSum / count;
    }

    /** The point of the stretch ending here, in epoch {@code epoch} (0-based); starts the next. */
    StepPoint endWindow(int epoch, int epochImages, double lr) {
      long n = count - windowCount;
      StepPoint p =
          new StepPoint(
              globalStep,
              epoch + (double) count / epochImages,
              lr,
              (lossSum - windowLossSum) / n,
              (double) (correct - windowCorrect) / n);
      windowLossSum = lossSum;
      windowCorrect = correct;
      windowCount = count;
      return p;
    }

    double accuracy() {
      return (double) correct / count;
    }
  }

  private EpochStats trainEpoch(
      Run run, GradientSource source, Sgd sgd, TrainingState state, int epoch) {
    ImageDataset train = run.data.train();
    TrainConfig c = state.config();
    Recipe recipe = c.recipe();
    int[] order = Shuffle.permutation(train.size(), Seeds.mix(c.seed(), Seeds.DATA_ORDER, epoch));
    int rest = order.length % recipe.batchSize();
    if (rest > 0 && rest < source.minimumBatch()) {
      // BatchNorm cannot normalise a batch of one image (per worker): leave the last few out.
      order = java.util.Arrays.copyOf(order, order.length - rest);
    }
    int stepsPerEpoch = (order.length + recipe.batchSize() - 1) / recipe.batchSize();
    EpochStats stats = new EpochStats();
    stats.globalStep = state.globalStep();
    int interval = StepLog.interval(stepsPerEpoch);
    String title = String.format(Locale.ROOT, "epoch %d/%d", epoch + 1, recipe.epochs());
    try (GradientSource.Pass pass =
            source.pass(
                epoch, order, recipe.batchSize(), Seeds.mix(c.seed(), Seeds.AUGMENTATION, epoch));
        ProgressBar bar = new ProgressBar(title, order.length, out, terminal)) {
      for (int step = 0; pass.hasNext(); step++) {
        double lr = recipe.learningRate(epoch, step, stepsPerEpoch);
        stats.lastLearningRate = lr;
        long stepSeed = Seeds.mix(c.seed(), Seeds.ENGINE, stats.globalStep);
        GradientSource.Step o = pass.next(stepSeed);
        if (!Float.isFinite(o.loss())) {
          throw diverged(o.loss(), o.where(), epoch, step, lr, state);
        }
        stats.correct += o.correct();
        sgd.step(lr);
        stats.lossSum += (double) o.loss() * o.count();
        stats.count += o.count();
        stats.globalStep++;
        bar.update(stats.count, stats.loss(), stats.accuracy());
        if ((step + 1) % interval == 0 || !pass.hasNext()) {
          run.steps.append(stats.endWindow(epoch, order.length, lr));
        }
      }
      bar.finish(
          String.format(
              Locale.ROOT,
              "%s: train loss %.4f acc %.2f %%",
              title,
              stats.loss(),
              100 * stats.accuracy()));
    }
    return stats;
  }

  /** Mean cross-entropy of logits against (possibly smoothed) one-hot targets, as PyTorch's. */
  public static UnaryOperator<NDArray> crossEntropy(NDArray target) {
    return logits -> logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
  }

  private static TrainingDivergedException diverged(
      float loss, String where, int epoch, int step, double lr, TrainingState state) {
    String kept =
        state.epochsDone() == 0
            ? "no checkpoint was written yet"
            : "the last good checkpoint (epoch " + state.epochsDone() + ") is kept";
    return new TrainingDivergedException(
        String.format(
            Locale.ROOT,
            "training diverged at epoch %d, step %d: the loss became %s%s (learning rate %.4g);"
                + " %s. Lower --lr or add --warmup, then start again or --resume",
            epoch + 1,
            step + 1,
            loss,
            where,
            lr,
            kept));
  }

  private static void writeState(Path runDir, TrainingState state) {
    byte[] json = Checkpoint.toJson(state).getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(runDir.resolve("state.json"), o -> o.write(json));
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new DenseFractalException("cannot create the run directory " + dir + ": " + e, e);
    }
  }
}
