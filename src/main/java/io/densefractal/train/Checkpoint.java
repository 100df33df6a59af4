package io.densefractal.train;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.densefractal.DenseFractalException;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.safetensors.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A training checkpoint: one safetensors file holding the model's state dict (torchvision keys),
 * the optimizer's momentum buffers ({@link Sgd#STATE_PREFIX} keys) and, in its {@code
 * __metadata__}, the {@link TrainingState} as JSON. One file written to a temp file and renamed, so
 * a crash mid-write leaves the previous checkpoint intact, and weights and state never disagree.
 *
 * <p>The model keys alone load anywhere a weights file does ({@code infer --weights}, {@code
 * export}); {@link #modelWeights} strips the rest.
 */
public record Checkpoint(StateDict model, StateDict optimizer, TrainingState state) {
  static final String META_STATE = "densefractal.training_state";
  private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

  /** Writes the checkpoint atomically; {@code model} carries {@link WeightsMetadata} tags. */
  public void write(Path file) {
    StateDict sd = new StateDict();
    model.tensors().forEach(sd::put);
    optimizer.tensors().forEach(sd::put);
    model.metadata().forEach(sd::putMetadata); // model name, classes, channels
    sd.putMetadata(META_STATE, GSON.toJson(state));
    SafeTensors.write(sd, file);
  }

  /**
   * Reads a checkpoint written by {@link #write}.
   *
   * @throws DenseFractalException when the file is missing, damaged, or not a training checkpoint
   */
  public static Checkpoint read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DenseFractalException("no checkpoint at " + file);
    }
    StateDict all = SafeTensors.read(file);
    String json = all.metadata().get(META_STATE);
    if (json == null) {
      throw new DenseFractalException(
          file + " is a weights file, not a training checkpoint (it has no training state)");
    }
    TrainingState state;
    try {
      state = GSON.fromJson(json, TrainingState.class);
    } catch (JsonParseException e) {
      throw new DenseFractalException(
          "the training state in " + file + " is damaged: " + e.getMessage(), e);
    }
    if (state == null || state.config() == null || state.config().recipe() == null) {
      throw new DenseFractalException("the training state in " + file + " is incomplete");
    }
    StateDict optimizer = new StateDict();
    for (Map.Entry<String, io.densefractal.weights.Tensor> e : all.tensors().entrySet()) {
      if (e.getKey().startsWith(Sgd.STATE_PREFIX)) {
        optimizer.put(e.getKey(), e.getValue());
      }
    }
    return new Checkpoint(modelWeights(all), optimizer, state);
  }

  /** The model's own tensors and metadata: everything but optimizer state and training state. */
  public static StateDict modelWeights(StateDict all) {
    StateDict model = new StateDict();
    all.tensors()
        .forEach(
            (key, t) -> {
              if (!key.startsWith(Sgd.STATE_PREFIX)) {
                model.put(key, t);
              }
            });
    all.metadata()
        .forEach(
            (key, value) -> {
              if (!key.equals(META_STATE)) {
                model.putMetadata(key, value);
              }
            });
    return model;
  }

  /** The training state as indented JSON, for a human-readable copy next to the checkpoint. */
  public static String toJson(TrainingState state) {
    return new GsonBuilder()
        .serializeSpecialFloatingPointValues()
        .setPrettyPrinting()
        .create()
        .toJson(state);
  }
}
