package io.densefractal.train;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import io.densefractal.DenseFractalException;
import io.densefractal.files.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The per-epoch metrics of a run, kept in two files of its run directory: {@code metrics.csv} (a
 * header and one row per epoch, for spreadsheets and pandas) and {@code metrics.jsonl} (one JSON
 * object per epoch, the copy this class reads back). Both use the same snake_case field names.
 *
 * <p>Values that are not finite (NaN when no evaluation ran) are written as an empty CSV cell and
 * as JSON {@code null}, so both files stay standard; they read back as NaN.
 */
public final class MetricsLog {
  public static final String CSV_FILE = "metrics.csv";
  public static final String JSONL_FILE = "metrics.jsonl";

  private record Field(String name, ToDoubleFunction<EpochMetrics> value) {}

  // Column order of the CSV and key order of each JSON object.
  private static final List<Field> FIELDS =
      List.of(
          new Field("epoch", EpochMetrics::epoch),
          new Field("learning_rate", EpochMetrics::learningRate),
          new Field("train_loss", EpochMetrics::trainLoss),
          new Field("train_accuracy", EpochMetrics::trainAccuracy),
          new Field("test_loss", EpochMetrics::testLoss),
          new Field("test_accuracy", EpochMetrics::testAccuracy),
          new Field("test_top5", EpochMetrics::testTop5),
          new Field("seconds", EpochMetrics::seconds),
          new Field("images_per_second", EpochMetrics::imagesPerSecond));

  private final Path dir;
  private final Path csv;
  private final Path jsonl;

  /** A log in {@code runDir}; nothing is read or created until the first call. */
  public MetricsLog(Path runDir) {
    this.dir = Objects.requireNonNull(runDir, "runDir");
    this.csv = runDir.resolve(CSV_FILE);
    this.jsonl = runDir.resolve(JSONL_FILE);
  }

  public Path csvFile() {
    return csv;
  }

  public Path jsonlFile() {
    return jsonl;
  }

  /**
   * Appends one epoch to both files (creating them, and the run directory, on first use) and syncs
   * them to disk, so an epoch once logged survives a crash of the run.
   *
   * @throws DenseFractalException when a file cannot be written
   */
  public void append(EpochMetrics m) {
    Objects.requireNonNull(m, "m");
    Path current = dir;
    try {
      Files.createDirectories(dir);
      current = csv;
      boolean header = !Files.exists(csv) || Files.size(csv) == 0;
      appendSynced(csv, (header ? csvHeader() : "") + csvRow(m));
      current = jsonl;
      appendSynced(jsonl, json(m) + "\n");
    } catch (IOException e) {
      throw new DenseFractalException(
          "cannot log the metrics of epoch " + m.epoch() + " to " + current + ": " + e, e);
    }
  }

  /**
   * The logged epochs, in file order, read from {@code metrics.jsonl}; empty when there is none.
   *
   * @throws DenseFractalException when the file cannot be read or a line is not a metrics record
   */
  public List<EpochMetrics> read() {
    if (!Files.exists(jsonl)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DenseFractalException("cannot read " + jsonl + ": " + e, e);
    }
    List<EpochMetrics> epochs = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        epochs.add(parse(line));
      } catch (JsonParseException | IllegalArgumentException | IllegalStateException e) {
        throw new DenseFractalException(
            jsonl
                + " is damaged: line "
                + (i + 1)
                + " is not a metrics record ("
                + e.getMessage()
                + "); repair or delete the file",
            e);
      }
    }
    return epochs;
  }

  /**
   * Keeps epochs 1..{@code epochs} and drops the rest, for a run resumed from a checkpoint older
   * than its log. Each file is rewritten atomically (temp file and rename), so a crash leaves it
   * either as it was or truncated, never torn. Does nothing when no log exists yet.
   *
   * @throws DenseFractalException when the log cannot be read or rewritten
   */
  public void truncateTo(int epochs) {
    if (epochs < 0) {
      throw new IllegalArgumentException("cannot keep a negative number of epochs: " + epochs);
    }
    if (!Files.exists(jsonl) && !Files.exists(csv)) {
      return;
    }
    List<EpochMetrics> kept = read().stream().filter(m -> m.epoch() <= epochs).toList();
    // The JSONL first: it is the copy read back, so it must never keep more than the CSV shows.
    StringBuilder json = new StringBuilder();
    StringBuilder table = new StringBuilder(csvHeader());
    for (EpochMetrics m : kept) {
      json.append(json(m)).append('\n');
      table.append(csvRow(m));
    }
    writeAtomically(jsonl, json.toString());
    writeAtomically(csv, table.toString());
  }

  static void writeAtomically(Path file, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, (OutputStream out) -> out.write(bytes));
  }

  static void appendSynced(Path file, String text) throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    try (FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(false);
    }
  }

  static String csvHeader() {
    StringBuilder sb = new StringBuilder();
    for (Field f : FIELDS) {
      sb.append(sb.length() == 0 ? "" : ",").append(f.name());
    }
    return sb.append('\n').toString();
  }

  static String csvRow(EpochMetrics m) {
    StringBuilder sb = new StringBuilder().append(m.epoch());
    for (Field f : FIELDS.subList(1, FIELDS.size())) {
      double v = f.value().applyAsDouble(m);
      sb.append(',').append(Double.isFinite(v) ? Double.toString(v) : "");
    }
    return sb.append('\n').toString();
  }

  static String json(EpochMetrics m) {
    StringWriter text = new StringWriter();
    try (JsonWriter w = new JsonWriter(text)) {
      w.beginObject();
      w.name(FIELDS.get(0).name()).value(m.epoch());
      for (Field f : FIELDS.subList(1, FIELDS.size())) {
        double v = f.value().applyAsDouble(m);
        w.name(f.name());
        if (Double.isFinite(v)) {
          w.value(v);
        } else {
          w.nullValue();
        }
      }
      w.endObject();
    } catch (IOException e) {
      throw new IllegalStateException("writing to a string cannot fail", e);
    }
    return text.toString();
  }

  static EpochMetrics parse(String line) {
    JsonElement element = JsonParser.parseString(line);
    if (!element.isJsonObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    JsonObject o = element.getAsJsonObject();
    double[] v = new double[FIELDS.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = number(o, FIELDS.get(i).name());
    }
    if (!(v[0] >= 1 && v[0] == Math.rint(v[0]) && v[0] <= Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("epoch is not a positive integer: " + o.get("epoch"));
    }
    return new EpochMetrics((int) v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
  }

  private static double number(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null) {
      throw new IllegalArgumentException("no \"" + name + "\"");
    }
    if (e.isJsonNull()) {
      return Double.NaN;
    }
    if (e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber()) {
      return e.getAsDouble();
    }
    throw new IllegalArgumentException("\"" + name + "\" is not a number: " + e);
  }
}
