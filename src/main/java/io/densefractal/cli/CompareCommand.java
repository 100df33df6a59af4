package io.densefractal.cli;

import io.densefractal.compare.CompareConfig;
import io.densefractal.compare.Comparison;
import io.densefractal.compare.ComparisonReport;
import io.densefractal.train.ProgressBar;
import io.densefractal.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code compare}: train the families side by side and tabulate/plot accuracy against cost. */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Train several models on the same data, seed and budget (finished runs are reused), then"
          + " write a Markdown/CSV table and plots of accuracy vs MACs, latency and memory;"
          + " FractalNets add one point per column.",
      "  compare --models resnet56_cifar,densenet_bc100_k12,fractalnet20 --data fashion-mnist"
          + " --epochs 10"
    })
final class CompareCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--models", required = true, split = ",", description = "Comma-separated models.")
  List<String> models;

  @Option(names = "--data", required = true, description = "Dataset name or image folder.")
  String data;

  @Option(names = "--data-dir", description = "Where to look for the dataset first.")
  Path dataDir;

  @Option(names = "--epochs", required = true, description = "Epochs per model.")
  int epochs;

  @Option(names = "--recipe", description = "One recipe for all (default: each model's paper's).")
  String recipe;

  @Option(names = "--seed", description = "Seed (default 0).")
  long seed;

  @Option(
      names = "--image-size",
      description = "Input size for all models (default: the dataset's, or what the models need).")
  int imageSize;

  @Option(names = "--limit-train", description = "Stratified training subset of N images.")
  int limitTrain;

  @Option(names = "--limit-test", description = "Stratified test subset of N images.")
  int limitTest;

  @Option(names = "--bench-iters", description = "Timed steps per measurement (default 5).")
  int benchIters = 5;

  @Option(names = "--out", description = "Output directory (default runs/compare).")
  Path out = Path.of("runs", "compare");

  @Override
  public Integer call() {
    PrintWriter console = spec.commandLine().getOut();
    CompareConfig config =
        new CompareConfig(
            models,
            data,
            dataDir == null ? null : dataDir.toString(),
            epochs,
            recipe,
            seed,
            imageSize,
            limitTrain,
            limitTest,
            out,
            benchIters);
    var stream = Consoles.printStream(console);
    Comparison.Outcome outcome =
        new Comparison(stream, new Trainer(stream, ProgressBar.isTerminal())).run(config);
    ComparisonReport.write(out, outcome.rows(), outcome.histories(), outcome.steps());
    console.print(ComparisonReport.markdown(outcome.rows()));
    console.printf(
        "report: %s, %s and %s in %s%n",
        ComparisonReport.MARKDOWN,
        ComparisonReport.CSV,
        String.join(", ", ComparisonReport.PLOTS),
        out);
    return 0;
  }
}
