package io.densefractal.cli;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.DenseFractalException;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.train.Checkpoint;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.ModelWeights;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/** A zoo model, initialised on the engine, with weights from a file or a seeded random init. */
final class LoadedModel implements AutoCloseable {
  final ModelSpec spec;
  final ModelOptions options;
  final Block block;
  final NDManager manager;
  // What the weights were trained on, when their file recorded it: kept through conversions.
  private final Optional<WeightsMetadata.Training> training;

  private LoadedModel(
      ModelSpec spec,
      ModelOptions options,
      Block block,
      NDManager manager,
      Optional<WeightsMetadata.Training> training) {
    this.spec = spec;
    this.options = options;
    this.block = block;
    this.manager = manager;
    this.training = training;
  }

  /** The model with random weights drawn from the engine's generator seeded with {@code seed}. */
  static LoadedModel random(ModelSpec spec, ModelOptions options, long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
    return init(spec, options);
  }

  /** The model with weights read from {@code file} (.pth zip/legacy or .safetensors), strictly. */
  static LoadedModel fromFile(ModelSpec spec, ModelOptions options, Path file) {
    // A training checkpoint's optimizer state is not part of the model.
    StateDict weights = Checkpoint.modelWeights(WeightFiles.read(file));
    String savedFor = weights.metadata().get(WeightsMetadata.MODEL);
    Block block = spec.create(options);
    NDManager manager = NDManager.newBaseManager();
    try {
      ModelWeights.initialize(block, manager, spec.inputShape(options), weights, true);
    } catch (RuntimeException e) {
      manager.close();
      if (savedFor != null && !savedFor.equals(spec.name())) {
        throw new DenseFractalException(
            file + " holds weights for '" + savedFor + "', not '" + spec.name() + "'", e);
      }
      throw e;
    }
    Optional<WeightsMetadata.Training> training;
    try {
      training = WeightsMetadata.training(weights.metadata());
    } catch (IllegalArgumentException e) {
      training = Optional.empty(); // damaged optional tags: the weights themselves loaded
    }
    return new LoadedModel(spec, options, block, manager, training);
  }

  private static LoadedModel init(ModelSpec spec, ModelOptions options) {
    Block block = spec.create(options);
    NDManager manager = NDManager.newBaseManager();
    block.initialize(manager, DataType.FLOAT32, spec.inputShape(options));
    return new LoadedModel(spec, options, block, manager, Optional.empty());
  }

  /**
   * The state dict with our metadata for safetensors files: model name, classes, channels, and what
   * the weights were trained on when their source file said.
   */
  StateDict stateDict() {
    StateDict sd =
        WeightsMetadata.tag(
            ModelWeights.stateDict(block), spec.name(), options.numClasses(), options.inChannels());
    training.ifPresent(
        t -> WeightsMetadata.tagTraining(sd, t.dataset(), t.classes(), t.imageSize()));
    return sd;
  }

  /** Eval-mode forward of a (N, C, H, W) batch; the result lives in {@code x}'s manager. */
  NDArray predict(NDArray x) {
    return predict(x, block);
  }

  /** Eval-mode forward through {@code runner} (the model, or one of its columns). */
  NDArray predict(NDArray x, Block runner) {
    if (x.getShape().dimension() != 4 || x.getShape().get(1) != options.inChannels()) {
      throw new DenseFractalException(
          String.format(
              Locale.ROOT,
              "input must be (N, %d, H, W), got %s (use --in-channels to change the model's"
                  + " channels)",
              options.inChannels(),
              x.getShape()));
    }
    try {
      return runner
          .forward(new ParameterStore(manager, false), new NDList(x), false)
          .singletonOrThrow();
    } catch (EngineException e) {
      String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new DenseFractalException(
          spec.name() + " cannot run on an input of shape " + x.getShape() + ": " + reason, e);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
