package io.densefractal.cli;

import io.densefractal.UsageException;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.train.ProgressBar;
import io.densefractal.train.Recipe;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.TrainResult;
import io.densefractal.train.Trainer;
import io.densefractal.weights.PretrainedWeights;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-m", "--model"},
      description = "Model name (see `summary --list`).")
  String model;

  @Option(
      names = "--data",
      description =
          "Dataset: fashion-mnist, mnist, cifar10, cifar100, demo (bundled Fashion-MNIST subset)"
              + " or an image folder (one sub-folder per class).")
  String data;

  @Option(names = "--data-dir", description = "Where to look for the dataset first.")
  Path dataDir;

  @Option(
      names = "--recipe",
      description = "densenet, fractalnet, resnet-cifar or imagenet (default: the model family's).")
  String recipe;

  @Option(names = "--epochs", description = "Total epochs (with --resume: a new total).")
  Integer epochs;

  @Option(names = "--lr", description = "Initial learning rate.")
  Double lr;

  @Option(names = "--batch-size", description = "Images per step.")
  Integer batchSize;

  @Option(names = "--wd", description = "Weight decay.")
  Double weightDecay;

  @Option(names = "--momentum", description = "SGD momentum.")
  Double momentum;

  @Option(names = "--nesterov", negatable = true, description = "Nesterov momentum on/off.")
  Boolean nesterov;

  @Option(names = "--schedule", description = "step, multistep or cosine.")
  String schedule;

  @Option(names = "--warmup", description = "Epochs of linear learning-rate warm-up.")
  Integer warmup;

  @Option(names = "--label-smoothing", description = "Cross-entropy label smoothing (0-1).")
  Double labelSmoothing;

  @Option(names = "--seed", description = "Seed of weights, data order, augmentation (default 0).")
  long seed;

  @Option(names = "--image-size", description = "Input size (default: the dataset's).")
  int imageSize;

  @Option(names = "--limit-train", description = "Train on a stratified subset of N images.")
  int limitTrain;

  @Option(names = "--limit-test", description = "Test on a stratified subset of N images.")
  int limitTest;

  @Option(
      names = "--val-fraction",
      description = "Held-out share of a single image folder (default 0.2).")
  double validationFraction = 0.2;

  @Option(
      names = "--memory-efficient",
      description = "Recompute instead of store (DenseNets): same gradients, far less memory.")
  boolean memoryEfficient;

  @Option(
      names = "--memory-format",
      description =
          "AUTO (NCHW training, channels-last batched inference), CONTIGUOUS, or CHANNELS_LAST:"
              + " train channels-last too, 10-25 %% faster, with gradients at the precision of"
              + " libtorch's channels-last BatchNorm backward (float sums, as PyTorch's"
              + " channels_last training; not parity-exact). Default AUTO; a resumed run keeps"
              + " its own.")
  MemoryFormat memoryFormat;

  @Option(
      names = "--weights",
      description =
          "Start from these weights (.pth/.safetensors); a new head where classes differ.")
  Path weights;

  @Option(
      names = "--pretrained",
      description = "Start from torchvision's ImageNet weights (downloaded once, hash-checked).")
  boolean pretrained;

  @Option(names = "--out", description = "Run directory (default runs/<model>-<data>).")
  Path out;

  @Option(names = "--resume", description = "Continue the run in this directory.")
  Path resume;

  @Override
  public Integer call() {
    PrintWriter console = spec.commandLine().getOut();
    Trainer trainer = new Trainer(Consoles.printStream(console), ProgressBar.isTerminal());
    TrainResult result;
    if (resume != null) {
      if (model != null || data != null || recipe != null || memoryFormat != null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--resume takes the model, data, recipe and memory format from the run; drop"
                + " -m/--data/--recipe/--memory-format"
                + " (--epochs, --lr and the other recipe options may change it)");
      }
      result = trainer.resume(resume, r -> overrides(r.toBuilder()).build());
    } else {
      if (model == null || data == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "give --model and --data (or --resume RUN_DIR)");
      }
      ModelSpec modelSpec = ModelZoo.get(model);
      TrainConfig config =
          TrainConfig.builder(model, data, recipe(modelSpec))
              .dataDir(dataDir == null ? null : dataDir.toString())
              .imageSize(imageSize)
              .limitTrain(limitTrain)
              .limitTest(limitTest)
              .validationFraction(validationFraction)
              .seed(seed)
              .memoryEfficient(memoryEfficient)
              .memoryFormat(memoryFormat == null ? MemoryFormat.AUTO : memoryFormat)
              .initialWeights(initialWeights())
              .build();
      Path runDir = out != null ? out : Path.of("runs", model + "-" + Path.of(data).getFileName());
      checkRunDirectory(runDir);
      result = trainer.start(config, runDir);
    }
    printResult(console, result);
    return 0;
  }

  /** The run directory must not be a file, nor lie inside the image folder it trains on. */
  private void checkRunDirectory(Path runDir) {
    if (Files.exists(runDir) && !Files.isDirectory(runDir)) {
      throw new UsageException("--out " + runDir + " is a file; give a directory");
    }
    Path folder = Path.of(data);
    if (Files.isDirectory(folder)
        && runDir.toAbsolutePath().normalize().startsWith(folder.toAbsolutePath().normalize())) {
      throw new UsageException(
          "--out "
              + runDir
              + " lies inside the image folder "
              + data
              + " (it would become a class); choose a directory outside it");
    }
  }

  private String initialWeights() {
    if (pretrained && weights != null) {
      throw new UsageException("give --pretrained or --weights, not both");
    }
    if (pretrained) {
      return PretrainedWeights.fetch(model).toString();
    }
    return weights == null ? null : weights.toString();
  }

  private Recipe recipe(ModelSpec modelSpec) {
    return overrides(
            Recipe.named(recipe != null ? recipe : Recipe.defaultFor(modelSpec)).toBuilder())
        .build();
  }

  /** The recipe options given on the command line, applied over {@code b}. */
  private Recipe.Builder overrides(Recipe.Builder b) {
    if (epochs != null) {
      b.epochs(epochs);
    }
    if (lr != null) {
      b.learningRate(lr);
    }
    if (batchSize != null) {
      b.batchSize(batchSize);
    }
    if (weightDecay != null) {
      b.weightDecay(weightDecay);
    }
    if (momentum != null) {
      b.momentum(momentum);
    }
    if (nesterov != null) {
      b.nesterov(nesterov);
    }
    if (schedule != null) {
      b.schedule(schedule);
    }
    if (warmup != null) {
      b.warmupEpochs(warmup);
    }
    if (labelSmoothing != null) {
      b.labelSmoothing(labelSmoothing);
    }
    return b;
  }

  /** The run's summary; the last line is {@code test accuracy: NN.NN %}. */
  static void printResult(PrintWriter console, TrainResult result) {
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
