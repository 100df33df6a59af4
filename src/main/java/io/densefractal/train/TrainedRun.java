package io.densefractal.train;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.densefractal.DenseFractalException;
import io.densefractal.data.Datasets;
import io.densefractal.data.TransformSpec;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.ModelWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A trained model loaded back with what it was trained with (classes, transforms, dataset): from a
 * run directory (best or last weights), or from a weights file plus a dataset. The dataset itself
 * is only opened when evaluating, so predicting needs no data on disk.
 */
public final class TrainedRun implements AutoCloseable {
  private final TrainConfig config;
  private final List<String> classes;
  private final TransformSpec transforms;
  private final ModelSpec spec;
  private final Block block;
  private final NDManager manager;
  private RunData data;

  private TrainedRun(
      TrainConfig config,
      List<String> classes,
      TransformSpec transforms,
      ModelSpec spec,
      Block block,
      NDManager manager) {
    this.config = config;
    this.classes = List.copyOf(classes);
    this.transforms = transforms;
    this.spec = spec;
    this.block = block;
    this.manager = manager;
  }

  /**
   * @param best the weights of the best epoch (else the last epoch's)
   */
  public static TrainedRun open(Path runDir, boolean best) {
    Path last = runDir.resolve(Trainer.LAST);
    if (!Files.isRegularFile(last)) {
      throw new DenseFractalException(
          runDir + " is not a run directory (it has no " + Trainer.LAST + "); train one first");
    }
    Checkpoint checkpoint = Checkpoint.read(last);
    TrainingState state = checkpoint.state();
    StateDict weights =
        best && Files.isRegularFile(runDir.resolve(Trainer.BEST))
            ? WeightFiles.read(runDir.resolve(Trainer.BEST))
            : checkpoint.model();
    return load(state.config(), state.classes(), weights);
  }

  /**
   * Weights from a file (imported, exported, or a run's checkpoint) for a dataset: the model is
   * built for the dataset's classes and channels, and the weights must fit it exactly.
   *
   * @param model the model, or null for the one the file's metadata names
   */
  public static TrainedRun fromWeights(
      String model,
      Path weightsFile,
      String dataset,
      String dataDir,
      int imageSize,
      int limitTest) {
    StateDict file = WeightFiles.read(weightsFile);
    String name = modelOf(file, model, weightsFile);
    TrainConfig config =
        TrainConfig.builder(name, dataset, Recipe.defaultRecipe(ModelZoo.get(name)))
            .dataDir(dataDir)
            .imageSize(imageSize)
            .limitTest(limitTest)
            .build();
    List<String> classes =
        Datasets.classes(
            dataset, dataDir == null ? null : Path.of(dataDir), config.validationFraction());
    return load(config, classes, Checkpoint.modelWeights(file));
  }

  /**
   * Weights from a file on their own: weights we trained carry their model, dataset, classes and
   * input size in their metadata ({@link WeightsMetadata#training}), so no dataset is needed;
   * weights without that (torchvision's, imported) are taken as ImageNet weights.
   *
   * @param model the model, or null for the one the file's metadata names
   */
  public static TrainedRun fromWeights(
      String model, Path weightsFile, List<String> imageNetClasses) {
    StateDict file = WeightFiles.read(weightsFile);
    String name = modelOf(file, model, weightsFile);
    Optional<WeightsMetadata.Training> trained;
    try {
      trained = WeightsMetadata.training(file.metadata());
    } catch (IllegalArgumentException e) {
      throw new DenseFractalException(
          weightsFile + ": " + e.getMessage() + "; name the dataset with --data", e);
    }
    if (trained.isEmpty()) {
      String classes = file.metadata().get(WeightsMetadata.NUM_CLASSES);
      if (classes != null && !classes.equals(Integer.toString(imageNetClasses.size()))) {
        throw new DenseFractalException(
            weightsFile
                + " holds a model with "
                + classes
                + " classes and does not record its dataset; name it with --data");
      }
      try {
        return load(imageNetConfig(name), imageNetClasses, Checkpoint.modelWeights(file));
      } catch (DenseFractalException e) {
        throw new DenseFractalException(
            e.getMessage()
                + " (read as ImageNet weights: the file does not record its dataset; if it was"
                + " trained on another, name it with --data)",
            e);
      }
    }
    WeightsMetadata.Training t = trained.get();
    TrainConfig config =
        TrainConfig.builder(name, t.dataset(), Recipe.defaultRecipe(ModelZoo.get(name)))
            .imageSize(t.imageSize())
            .build();
    return load(config, t.classes(), Checkpoint.modelWeights(file));
  }

  /**
   * ImageNet weights (torchvision's, or exported): 1000 classes, ImageNet transforms (shorter side
   * 256, centre 224 crop, ImageNet mean/std). There is no dataset to evaluate on.
   */
  public static TrainedRun imageNet(String model, Path weightsFile, List<String> classes) {
    return load(
        imageNetConfig(model), classes, Checkpoint.modelWeights(WeightFiles.read(weightsFile)));
  }

  private static TrainConfig imageNetConfig(String model) {
    return TrainConfig.builder(model, "imagenet", Recipe.named("imagenet")).build();
  }

  /** {@code model}, else the model the file's metadata names. */
  private static String modelOf(StateDict file, String model, Path weightsFile) {
    if (model != null) {
      return model;
    }
    String named = file.metadata().get(WeightsMetadata.MODEL);
    if (named == null) {
      throw new DenseFractalException(
          weightsFile + " does not say which model it holds; give --model");
    }
    return named;
  }

  private static TrainedRun load(TrainConfig config, List<String> classes, StateDict weights) {
    ModelSpec spec = ModelZoo.get(config.model());
    TransformSpec transforms = Datasets.transforms(config.dataset(), RunData.imageSize(config));
    Block block = spec.create(new ModelOptions(classes.size(), transforms.channels()));
    NDManager manager = NDManager.newBaseManager();
    try {
      Shape one = new Shape(1, transforms.channels(), transforms.size(), transforms.size());
      ModelWeights.initialize(block, manager, one, weights, true);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
    return new TrainedRun(config, classes, transforms, spec, block, manager);
  }

  /** Test-set evaluation of the model, or of one column of an anytime network. */
  public EvalResult evaluate(Integer column) {
    RunData d = data();
    Block runner = AnytimeNetwork.columnOrWhole(block, column, spec.name());
    return Evaluator.evaluate(runner, d.test(), d.evalTransform(), 128, d.classes(), manager);
  }

  /**
   * Re-estimates the BatchNorm running statistics on {@code batches} mini-batches of the training
   * split, seen as evaluation sees images ({@link BatchNormRecalibration}); the weights on disk are
   * not changed. Returns the number of images used.
   */
  public int recalibrateBatchNorm(int batches) {
    RunData d = data();
    return BatchNormRecalibration.recalibrate(
        block,
        d.train(),
        d.evalTransform(),
        batches,
        config.recipe().batchSize(),
        config.seed(),
        manager);
  }

  private RunData data() {
    if (data == null) {
      data = RunData.open(config);
    }
    return data;
  }

  /** What the model was trained (or is evaluated) with. */
  public TrainConfig config() {
    return config;
  }

  public List<String> classes() {
    return classes;
  }

  /** The dataset's transforms at the model's input size. */
  public TransformSpec transforms() {
    return transforms;
  }

  public ModelSpec spec() {
    return spec;
  }

  public Block block() {
    return block;
  }

  public NDManager manager() {
    return manager;
  }

  @Override
  public void close() {
    manager.close();
  }
}
