package io.densefractal.cli;

import io.densefractal.files.OutputPaths;
import io.densefractal.train.EvalResult;
import io.densefractal.train.Plots;
import io.densefractal.train.TrainedRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code eval}: top-1/top-5, per-class accuracy and confusion matrix of a trained run. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate a run on its test set: top-1, top-5, per-class accuracy, confusion matrix.")
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", required = true, description = "Run directory (from train).")
  Path run;

  @Option(names = "--last", description = "Use the last epoch's weights (default: the best).")
  boolean last;

  @Option(
      names = "--column",
      description = "Evaluate only column i (1 = shallowest) of a FractalNet.")
  Integer column;

  @Option(
      names = "--recalibrate-bn",
      paramLabel = "N",
      description =
          "First re-estimate BatchNorm statistics on N mini-batches of training images (precise"
              + " BN; FractalNet after short training: its running statistics follow drop-path).")
  Integer recalibrate;

  @Option(
      names = "--confusion",
      description = "Where to write the confusion matrix PNG (default: <run>/eval-confusion.png).")
  Path confusion;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (recalibrate != null && recalibrate < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--recalibrate-bn needs at least 1 batch, got " + recalibrate);
    }
    Path png = confusion != null ? confusion : run.resolve("eval-confusion.png");
    // The run's own files (checkpoints, logs) are never overwritten, whichever is evaluated.
    OutputPaths.check(
        Map.of("--confusion", png),
        OutputPaths.filesIn(run).stream()
            .filter(f -> !f.getFileName().toString().equals("eval-confusion.png"))
            .toList());
    try (TrainedRun trained = TrainedRun.open(run, !last)) {
      if (recalibrate != null) {
        int images = trained.recalibrateBatchNorm(recalibrate);
        out.printf(
            Locale.ROOT, "BatchNorm statistics recalibrated on %d training images%n", images);
      }
      EvalResult r = trained.evaluate(column);
      out.printf(
          Locale.ROOT,
          "%s%s on %s (%d test images, %s weights)%n",
          trained.spec().name(),
          column == null ? "" : " column " + column,
          trained.config().dataset(),
          r.count(),
          last ? "last" : "best");
      double[] perClass = r.perClassAccuracy();
      for (int c = 0; c < perClass.length; c++) {
        out.printf(Locale.ROOT, "  %-20s %6.2f %%%n", r.classes().get(c), 100 * perClass[c]);
      }
      Plots.confusion(png, r.confusion(), r.classes());
      out.printf(Locale.ROOT, "confusion matrix: %s%n", png);
      out.printf(Locale.ROOT, "loss: %.4f%n", r.loss());
      out.printf(Locale.ROOT, "top-5 accuracy: %.2f %%%n", 100 * r.top5());
      out.printf(Locale.ROOT, "test accuracy: %.2f %%%n", 100 * r.top1());
    }
    return 0;
  }
}
