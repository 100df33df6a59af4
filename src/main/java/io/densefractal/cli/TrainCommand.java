package io.densefractal.cli;

import io.densefractal.train.ProgressBar;
import io.densefractal.train.TrainResult;
import io.densefractal.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code train}: a zoo model on a dataset with a paper's recipe, or {@code --resume} a run. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train a model on a dataset with a paper's recipe; progress, metrics, plots and atomic"
          + " checkpoints go to the run directory.",
      "  train -m densenet_bc100_k12 --data cifar10",
      "  train -m resnet20_cifar --data fashion-mnist --epochs 10 --out runs/r20",
      "  train --resume runs/r20 [--epochs 20]"
    })
public final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin TrainOptions options;

  @Override
  public Integer call() {
    PrintWriter console = spec.commandLine().getOut();
    Trainer trainer = new Trainer(Consoles.printStream(console), ProgressBar.isTerminal());
    Path resume = options.resume();
    TrainResult result =
        resume != null
            ? trainer.resume(resume, options.resumeOverrides())
            : trainer.start(options.config(), options.runDirectory());
    printResult(console, result);
    return 0;
  }

  /** The run's summary; the last line is {@code test accuracy: NN.NN %}. */
  public static void printResult(PrintWriter console, TrainResult result) {
    console.printf(
        Locale.ROOT,
        "run directory: %s (checkpoints, metrics.csv, steps.csv, loss.png, accuracy.png,"
            + " confusion.png)%n",
        result.runDir());
    if (result.state().bestEpoch() > 0) {
      console.printf(
          Locale.ROOT,
          "best test accuracy: %.2f %% (epoch %d)%n",
          100 * result.state().bestAccuracy(),
          result.state().bestEpoch());
    }
    double last = result.history().get(result.history().size() - 1).testAccuracy();
    console.printf(Locale.ROOT, "test accuracy: %.2f %%%n", 100 * last);
    console.flush();
  }
}
