package io.densefractal.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.densefractal.DenseFractalException;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@code --model-config} file: several models for one server, as JSON —
 *
 * <pre>{@code
 * {"models": [
 *   {"name": "fashion", "run": "runs/r20"},
 *   {"name": "fn", "weights": "fn20.safetensors", "max_batch": 16, "max_delay_ms": 2},
 *   {"model": "resnet50", "pretrained": true, "queue": 512},
 *   {"name": "r50-ort", "weights": "resnet50.onnx", "engine": "onnxruntime", "threads": 2}
 * ]}
 * }</pre>
 *
 * Relative paths are taken from the file's directory; batching settings not given take the command
 * line's.
 */
public final class ModelConfigFile {
  private static final Set<String> KEYS =
      Set.of(
          "name", "run", "weights", "model", "pretrained", "data", "max_batch", "max_delay_ms",
          "queue", "engine", "threads");

  private ModelConfigFile() {}

  /**
   * The models {@code file} lists; batching settings it does not give are the ones passed here.
   */
  public static List<ModelConfig> read(
      Path file, int maxBatch, int maxDelayMs, int queue, Engine engine, int threads) {
    Defaults defaults = new Defaults(maxBatch, maxDelayMs, queue, engine, threads);
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new DenseFractalException("cannot read model config " + file + ": " + e.getMessage(), e);
    }
    JsonArray models;
    try {
      JsonElement root = JsonParser.parseString(text);
      JsonElement list = root.isJsonObject() ? root.getAsJsonObject().get("models") : root;
      if (list == null || !list.isJsonArray() || list.getAsJsonArray().isEmpty()) {
        throw new DenseFractalException(
            file + ": expected {\"models\": [ {...}, ... ]} with at least one model");
      }
      models = list.getAsJsonArray();
    } catch (JsonParseException e) {
      throw new DenseFractalException(file + " is not valid JSON: " + firstLine(e), e);
    }
    Path base = file.toAbsolutePath().getParent();
    List<ModelConfig> out = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      if (!models.get(i).isJsonObject()) {
        throw new DenseFractalException(file + ": model " + (i + 1) + " is not an object");
      }
      out.add(entry(models.get(i).getAsJsonObject(), base, defaults, file + ": model " + (i + 1)));
    }
    return out;
  }

  private record Defaults(int maxBatch, int maxDelayMs, int queue, Engine engine, int threads) {}

  private static ModelConfig entry(JsonObject o, Path base, Defaults defaults, String where) {
    for (String key : o.keySet()) {
      if (!KEYS.contains(key)) {
        throw new DenseFractalException(where + " has an unknown key '" + key + "'; known: " + KEYS);
      }
    }
    try {
      Path run = path(o, "run", base);
      Path weights = path(o, "weights", base);
      String model = o.has("model") ? o.get("model").getAsString() : null;
      boolean pretrained = o.has("pretrained") && o.get("pretrained").getAsBoolean();
      String data = o.has("data") ? o.get("data").getAsString() : null;
      ModelSource source = new ModelSource(run, weights, model, pretrained, data);
      return new ModelConfig(
          o.has("name") ? o.get("name").getAsString() : null,
          source,
          o.has("max_batch") ? o.get("max_batch").getAsInt() : defaults.maxBatch(),
          o.has("max_delay_ms") ? o.get("max_delay_ms").getAsInt() : defaults.maxDelayMs(),
          o.has("queue") ? o.get("queue").getAsInt() : defaults.queue(),
          o.has("engine") ? engine(o.get("engine").getAsString()) : defaults.engine(),
          o.has("threads") ? o.get("threads").getAsInt() : defaults.threads());
    } catch (DenseFractalException e) {
      throw new DenseFractalException(where + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new DenseFractalException(where + ": a value has the wrong type (" + firstLine(e) + ")", e);
    }
  }

  private static Engine engine(String name) {
    try {
      return Engine.parse(name);
    } catch (RuntimeException e) {
      throw new DenseFractalException("engine must be libtorch or onnxruntime, got '" + name + "'");
    }
  }

  private static Path path(JsonObject o, String key, Path base) {
    return o.has(key) ? base.resolve(o.get(key).getAsString()) : null;
  }

  private static String firstLine(Exception e) {
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }
}
