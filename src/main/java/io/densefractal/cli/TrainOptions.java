package io.densefractal.cli;

import io.densefractal.UsageException;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.train.Recipe;
import io.densefractal.train.TrainConfig;
import io.densefractal.weights.PretrainedWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of a training run, shared by {@code train} and {@code spark train} (a picocli
 * mixin): model, data, recipe overrides, run directory, {@code --resume}.
 */
public final class TrainOptions {
  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
  CommandLine.Model.CommandSpec spec;

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

  /** The directory of the run to continue, or null for a new run. */
  public Path resume() {
    if (resume != null
        && (model != null || data != null || recipe != null || memoryFormat != null)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--resume takes the model, data, recipe and memory format from the run; drop"
              + " -m/--data/--recipe/--memory-format"
              + " (--epochs, --lr and the other recipe options may change it)");
    }
    return resume;
  }

  /** The recipe changes given with {@code --resume}. */
  public UnaryOperator<Recipe> resumeOverrides() {
    return r -> overrides(r.toBuilder()).build();
  }

  /** The configuration of a new run. */
  public TrainConfig config() {
    if (model == null || data == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give --model and --data (or --resume RUN_DIR)");
    }
    ModelSpec modelSpec = ModelZoo.get(model);
    return TrainConfig.builder(model, data, recipe(modelSpec))
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
  }

  /** The run directory of a new run: {@code --out}, else {@code runs/<model>-<data>}, checked. */
  public Path runDirectory() {
    Path runDir = out != null ? out : Path.of("runs", model + "-" + Path.of(data).getFileName());
    checkRunDirectory(runDir);
    return runDir;
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

}
