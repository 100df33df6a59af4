package io.densefractal.compare;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.densefractal.files.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Benchmark results of a run keyed by their arguments, kept in a JSON file so that re-running a
 * comparison does not measure again. A damaged file is ignored (measured again and rewritten).
 */
final class MeasurementCache {
  private final Path file;
  private final JsonObject entries;

  MeasurementCache(Path file) {
    this.file = file;
    this.entries = load(file);
  }

  JsonObject computeIfAbsent(String key, Supplier<JsonObject> measure) {
    if (entries.has(key) && entries.get(key).isJsonObject()) {
      return entries.getAsJsonObject(key);
    }
    JsonObject value = measure.get();
    entries.add(key, value);
    byte[] json =
        new GsonBuilder()
            .setPrettyPrinting()
            .create()
            .toJson(entries)
            .getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, o -> o.write(json));
    return value;
  }

  private static JsonObject load(Path file) {
    if (!Files.isRegularFile(file)) {
      return new JsonObject();
    }
    try {
      return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    } catch (IOException | JsonParseException | IllegalStateException e) {
      return new JsonObject();
    }
  }
}
