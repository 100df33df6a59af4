package io.densefractal.train;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The within-epoch training curve of a run: {@code steps.csv} in its run directory, one row per
 * tenth of an epoch ({@link #POINTS_PER_EPOCH}) with the loss and accuracy over that stretch. Rows
 * are appended and synced as training goes; a resume drops the rows past its checkpoint.
 */
public final class StepLog {
  public static final String FILE = "steps.csv";
  public static final int POINTS_PER_EPOCH = 10;
  static final String HEADER = "step,epoch,learning_rate,train_loss,train_accuracy\n";

  private final Path dir;
  private final Path csv;

  /** A log in {@code runDir}; nothing is read or created until the first call. */
  public StepLog(Path runDir) {
    this.dir = Objects.requireNonNull(runDir, "runDir");
    this.csv = runDir.resolve(FILE);
  }

  public Path file() {
    return csv;
  }

  /** Steps between two points of an epoch of {@code stepsPerEpoch} steps. */
  public static int interval(int stepsPerEpoch) {
    return Math.max(1, (stepsPerEpoch + POINTS_PER_EPOCH - 1) / POINTS_PER_EPOCH);
  }

  /**
   * Appends one point (creating the file, and the run directory, on first use) and syncs it.
   *
   * @throws DenseFractalException when the file cannot be written
   */
  public void append(StepPoint p) {
    try {
      Files.createDirectories(dir);
      boolean header = !Files.exists(csv) || Files.size(csv) == 0;
      MetricsLog.appendSynced(csv, (header ? HEADER : "") + row(p));
    } catch (IOException e) {
      throw new DenseFractalException("cannot log training step " + p.step() + " to " + csv, e);
    }
  }

  /**
   * The logged points in file order; empty when there is none.
   *
   * @throws DenseFractalException when the file cannot be read or a row is damaged
   */
  public List<StepPoint> read() {
    if (!Files.exists(csv)) {
      return List.of();
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DenseFractalException("cannot read " + csv + ": " + e, e);
    }
    List<StepPoint> points = new ArrayList<>(lines.size());
    for (int i = 1; i < lines.size(); i++) {
      if (!lines.get(i).isBlank()) {
        points.add(parse(lines.get(i), i + 1));
      }
    }
    return points;
  }

  /**
   * Keeps the points up to global step {@code steps} and drops the rest, for a run resumed from a
   * checkpoint older than its log. The file is rewritten atomically. Does nothing when there is no
   * log.
   */
  public void truncateTo(long steps) {
    if (!Files.exists(csv)) {
      return;
    }
    StringBuilder text = new StringBuilder(HEADER);
    for (StepPoint p : read()) {
      if (p.step() <= steps) {
        text.append(row(p));
      }
    }
    MetricsLog.writeAtomically(csv, text.toString());
  }

  static String row(StepPoint p) {
    return String.format(
        Locale.ROOT,
        "%d,%s,%s,%s,%s\n",
        p.step(),
        Double.toString(p.epoch()),
        Double.toString(p.learningRate()),
        Double.toString(p.trainLoss()),
        Double.toString(p.trainAccuracy()));
  }

  private StepPoint parse(String line, int lineNumber) {
    String[] f = line.split(",", -1);
    try {
      if (f.length != 5) {
        throw new NumberFormatException(f.length + " fields, expected 5");
      }
      return new StepPoint(
          Long.parseLong(f[0].trim()),
          Double.parseDouble(f[1]),
          Double.parseDouble(f[2]),
          Double.parseDouble(f[3]),
          Double.parseDouble(f[4]));
    } catch (NumberFormatException e) {
      throw new DenseFractalException(
          csv
              + " is damaged: line "
              + lineNumber
              + " is not a step record ("
              + e.getMessage()
              + "); repair or delete the file",
          e);
    }
  }
}
