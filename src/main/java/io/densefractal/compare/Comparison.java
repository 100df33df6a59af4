package io.densefractal.compare;

import com.google.gson.JsonObject;
import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.recompute.SegmentedNetwork;
import io.densefractal.train.Checkpoint;
import io.densefractal.train.EpochMetrics;
import io.densefractal.train.EvalResult;
import io.densefractal.train.MetricsLog;
import io.densefractal.train.Recipe;
import io.densefractal.train.StepLog;
import io.densefractal.train.StepPoint;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.TrainedRun;
import io.densefractal.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains (or reuses) each model of a {@link CompareConfig} in its own run directory, evaluates it,
 * measures its cost (parameters, MACs, epoch time, training memory, inference latency), and adds
 * one row per anytime column for FractalNets. Finished runs are reused, unfinished ones resumed, so
 * a comparison can be stopped and continued as a whole.
 */
public final class Comparison {
  private static final int LATENCY_BATCH = 64;

  private final PrintStream out;
  private final Trainer trainer;

  public Comparison(PrintStream out, Trainer trainer) {
    this.out = out;
    this.trainer = trainer;
  }

  /** Rows, in model order, and each model's per-epoch history and within-epoch training curve. */
  public record Outcome(
      List<ComparisonRow> rows,
      Map<String, List<EpochMetrics>> histories,
      Map<String, List<StepPoint>> steps) {}

  public Outcome run(CompareConfig c) {
    int size = c.imageSize();
    List<ComparisonRow> rows = new ArrayList<>();
    Map<String, List<EpochMetrics>> histories = new LinkedHashMap<>();
    Map<String, List<StepPoint>> steps = new LinkedHashMap<>();
    for (String model : c.models()) {
      ModelSpec spec = ModelZoo.get(model);
      Path runDir = c.outDir().resolve(model);
      trainOrReuse(c, spec, runDir);
      List<EpochMetrics> history = new MetricsLog(runDir).read();
      histories.put(model, history);
      steps.put(model, new StepLog(runDir).read());
      try (TrainedRun run = TrainedRun.open(runDir, false)) {
        int inputSize = run.transforms().size();
        int channels = run.transforms().channels();
        int classes = run.classes().size();
        ModelSummary summary =
            ModelSummary.of(spec, new ModelOptions(classes, channels), inputSize);
        Measurer m = new Measurer(model, inputSize, channels, classes, c.benchIters(), runDir);
        int batch = run.config().recipe().batchSize();
        JsonObject train = m.bench("train", batch, null, false);
        boolean segmented = SegmentedNetwork.of(run.block()).isPresent();
        double memoryEfficientMb =
            segmented
                ? m.bench("train", batch, null, true).get("peak_rss_mb").getAsDouble()
                : Double.NaN;
        EvalResult eval = run.evaluate(null);
        out.printf(Locale.ROOT, "%s: test accuracy %.2f %%%n", model, 100 * eval.top1());
        rows.add(
            new ComparisonRow(
                model,
                model,
                null,
                eval.top1(),
                summary.params(),
                summary.macs(),
                medianEpochSeconds(history),
                train.get("peak_rss_mb").getAsDouble(),
                memoryEfficientMb,
                m.bench("infer", 1, null, false).get("median_ms").getAsDouble(),
                m.bench("infer", LATENCY_BATCH, null, false).get("median_ms").getAsDouble()));
        if (run.block() instanceof AnytimeNetwork) {
          for (ModelSummary.ColumnSummary col : summary.columns()) {
            EvalResult ce = run.evaluate(col.column());
            out.printf(
                Locale.ROOT,
                "%s column %d: test accuracy %.2f %%%n",
                model,
                col.column(),
                100 * ce.top1());
            rows.add(
                new ComparisonRow(
                    model + " col " + col.column(),
                    model,
                    col.column(),
                    ce.top1(),
                    col.params(),
                    col.macs(),
                    Double.NaN,
                    Double.NaN,
                    Double.NaN,
                    m.bench("infer", 1, col.column(), false).get("median_ms").getAsDouble(),
                    m.bench("infer", LATENCY_BATCH, col.column(), false)
                        .get("median_ms")
                        .getAsDouble()));
          }
        }
      }
    }
    return new Outcome(rows, histories, steps);
  }

  private void trainOrReuse(CompareConfig c, ModelSpec spec, Path runDir) {
    Path last = runDir.resolve(Trainer.LAST);
    if (Files.isRegularFile(last)) {
      var state = Checkpoint.read(last).state();
      if (state.epochsDone() >= c.epochs()) {
        out.printf(
            Locale.ROOT,
            "%s: reusing the finished run in %s (%d epochs)%n",
            spec.name(),
            runDir,
            state.epochsDone());
        return;
      }
      trainer.resume(runDir, r -> r.toBuilder().epochs(c.epochs()).build());
      return;
    }
    Recipe recipe =
        Recipe.named(c.recipe() != null ? c.recipe() : Recipe.defaultFor(spec)).toBuilder()
            .epochs(c.epochs())
            .build();
    TrainConfig config =
        TrainConfig.builder(spec.name(), c.dataset(), recipe)
            .dataDir(c.dataDir())
            .imageSize(c.imageSize())
            .limitTrain(c.limitTrain())
            .limitTest(c.limitTest())
            .seed(c.seed())
            .build();
    trainer.start(config, runDir);
  }

  private static double medianEpochSeconds(List<EpochMetrics> history) {
    double[] s = history.stream().mapToDouble(EpochMetrics::seconds).sorted().toArray();
    if (s.length == 0) {
      return Double.NaN;
    }
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** Speed and memory measurements of one model, each in a fresh process, cached in the run. */
  private static final class Measurer {
    private final String model;
    private final int size;
    private final int channels;
    private final int classes;
    private final int iters;
    private final MeasurementCache cache;

    Measurer(String model, int size, int channels, int classes, int iters, Path runDir) {
      this.model = model;
      this.size = size;
      this.channels = channels;
      this.classes = classes;
      this.iters = iters;
      this.cache = new MeasurementCache(runDir.resolve("measurements.json"));
    }

    JsonObject bench(String mode, int batch, Integer column, boolean memoryEfficient) {
      List<String> args =
          new ArrayList<>(
              Arrays.asList(
                  "--model", model,
                  "--mode", mode,
                  "--batch", Integer.toString(batch),
                  "--size", Integer.toString(size),
                  "--in-channels", Integer.toString(channels),
                  "--num-classes", Integer.toString(classes),
                  "--warmup", Integer.toString(Math.min(2, iters)),
                  "--iters", Integer.toString(iters)));
      if (column != null) {
        args.add("--column");
        args.add(column.toString());
      }
      if (memoryEfficient) {
        args.add("--memory-efficient");
      }
      return cache.computeIfAbsent(String.join(" ", args), () -> BenchProcess.run(args));
    }
  }
}
