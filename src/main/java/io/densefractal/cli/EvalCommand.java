package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import io.densefractal.data.DataSplits;
import io.densefractal.data.Datasets;
import io.densefractal.engine.Classifiers;
import io.densefractal.files.OutputPaths;
import io.densefractal.inference.Engine;
import io.densefractal.onnx.OnnxClassifier;
import io.densefractal.report.ConfusionChart;
import io.densefractal.train.EvalResult;
import io.densefractal.train.Evaluator;
import io.densefractal.train.TrainedRun;
import io.densefractal.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eval}: top-1/top-5, per-class accuracy and confusion matrix of a trained run. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description =
        "Evaluate a run on its test set: top-1, top-5, per-class accuracy, confusion matrix.")
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", description = "Run directory (from train).")
  Path run;

  @Option(
      names = "--weights",
      description =
          "An .onnx model instead of a run (ours records its dataset; torch.onnx.export's needs"
              + " --data), run by ONNX Runtime.")
  Path weights;

  @Option(
      names = "--data",
      description = "With --weights: the dataset to evaluate on (default: the file's).")
  String data;

  @Option(names = "--data-dir", description = "With --weights: where the dataset is.")
  Path dataDir;

  @Mixin EngineArgs engineArgs;

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
    int threads = engineArgs.threads(spec.commandLine());
    if ((run == null) == (weights == null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give --run RUN_DIR or --weights MODEL.onnx");
    }
    if (weights != null || engineArgs.engine == Engine.ONNXRUNTIME) {
      return evalOnnx(out, threads);
    }
    if (threads > 0) {
      Classifiers.useLibtorchThreads(threads);
    }
    if (!Files.isRegularFile(run.resolve(Trainer.LAST))) {
      // Checked before the output path, whose default lies inside the run directory.
      throw new DenseFractalException(
          run + " is not a run directory (it has no " + Trainer.LAST + "); train one first");
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
      print(out, r, png);
    }
    return 0;
  }

  /** ONNX Runtime: the file's classifier on the test split of its dataset. */
  private int evalOnnx(PrintWriter out, int threads) {
    if (weights == null || !OnnxClassifier.isOnnxFile(weights)) {
      throw new DenseFractalException(
          "--engine onnxruntime evaluates an .onnx file given with --weights; export the run"
              + " first (densefractal export ... --to model.onnx) or use --engine libtorch");
    }
    if (engineArgs.engine == Engine.LIBTORCH) {
      throw new DenseFractalException(weights + " is an ONNX file: run it with --engine onnxruntime");
    }
    if (recalibrate != null || last) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--recalibrate-bn and --last need a run (--run), not an .onnx file");
    }
    Path png =
        confusion != null
            ? confusion
            : weights.resolveSibling(
                weights.getFileName().toString().replaceFirst("(?i)\\.onnx$", "")
                    + "-confusion.png");
    OutputPaths.check(Map.of("--confusion", png), List.of(weights));
    try (OnnxClassifier classifier = OnnxClassifier.open(weights, null, data, threads)) {
      String dataset = data != null ? data : classifier.dataset();
      if (dataset == null || dataset.equals("imagenet")) {
        throw new DenseFractalException(
            weights + " was trained on " + (dataset == null ? "an unnamed dataset" : "ImageNet")
                + ", which is not here to evaluate on; name a dataset with --data");
      }
      DataSplits splits =
          Datasets.open(dataset, dataDir, 0.2, 0, classifier.transforms().size());
      if (!splits.test().classes().equals(classifier.classes())) {
        throw new DenseFractalException(
            weights + "'s classes are not " + dataset + "'s; name its dataset with --data");
      }
      EvalResult r =
          Evaluator.evaluate(
              (x, n) -> classifier.logits(x, n, column),
              splits.test(),
              classifier.transforms().eval(),
              128,
              classifier.classes());
      out.printf(
          Locale.ROOT,
          "%s%s on %s (%d test images, %s, onnxruntime)%n",
          classifier.name(),
          column == null ? "" : " column " + column,
          dataset,
          r.count(),
          weights);
      print(out, r, png);
    }
    return 0;
  }

  private static void print(PrintWriter out, EvalResult r, Path png) {
    double[] perClass = r.perClassAccuracy();
    for (int c = 0; c < perClass.length; c++) {
      out.printf(Locale.ROOT, "  %-20s %6.2f %%%n", r.classes().get(c), 100 * perClass[c]);
    }
    ConfusionChart.write(png, r.confusion(), r.classes());
    out.printf(Locale.ROOT, "confusion matrix: %s%n", png);
    out.printf(Locale.ROOT, "loss: %.4f%n", r.loss());
    out.printf(Locale.ROOT, "top-5 accuracy: %.2f %%%n", 100 * r.top5());
    out.printf(Locale.ROOT, "test accuracy: %.2f %%%n", 100 * r.top1());
  }
}
