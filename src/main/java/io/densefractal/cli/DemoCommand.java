package io.densefractal.cli;

import io.densefractal.models.ModelZoo;
import io.densefractal.train.ProgressBar;
import io.densefractal.train.Recipe;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.TrainResult;
import io.densefractal.train.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main job: train a small DenseNet-BC on the Fashion-MNIST subset bundled in the jar,
 * on CPU, offline, in a few minutes, and report its test accuracy. The run directory gets the
 * checkpoints, metrics and plots like any {@code train} run.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Train a small DenseNet-BC on the bundled Fashion-MNIST subset (offline, a few minutes on"
            + " 2 cores) and print its test accuracy.")
final class DemoCommand implements Callable<Integer> {
  static final String MODEL = "densenet_bc22_k12";
  static final String DATA = "demo";
  static final int EPOCHS = 6;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", description = "Run directory (default: runs/demo-<date-time>).")
  Path out;

  @Option(names = "--epochs", description = "Epochs (default " + EPOCHS + ").")
  int epochs = EPOCHS;

  @Option(names = "--seed", description = "Seed (default 0).")
  long seed;

  @Override
  public Integer call() {
    PrintWriter console = spec.commandLine().getOut();
    Path runDir =
        out != null
            ? out
            : Path.of(
                "runs",
                "demo-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    console.printf(
        Locale.ROOT,
        "densefractal demo: %s (%s) on the bundled Fashion-MNIST subset, %d epochs, CPU%n",
        MODEL,
        ModelZoo.get(MODEL).description(),
        epochs);
    // The DenseNet recipe (SGD, Nesterov 0.9, lr 0.1, wd 1e-4, batch 64) with cosine annealing,
    // which suits a run of a few epochs better than the paper's two steps at 50 % / 75 %.
    Recipe recipe = Recipe.named("densenet").toBuilder().epochs(epochs).schedule("cosine").build();
    TrainConfig config = TrainConfig.builder(MODEL, DATA, recipe).seed(seed).build();
    Trainer trainer = new Trainer(Consoles.printStream(console), ProgressBar.isTerminal());
    TrainResult result = trainer.start(config, runDir);
    TrainCommand.printResult(console, result);
    return 0;
  }
}
