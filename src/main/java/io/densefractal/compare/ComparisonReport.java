package io.densefractal.compare;

import io.densefractal.files.AtomicFiles;
import io.densefractal.report.LineChart;
import io.densefractal.report.ScatterChart;
import io.densefractal.train.EpochMetrics;
import io.densefractal.train.StepPoint;
import io.densefractal.train.TrainingCurves;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes a comparison as comparison.md, comparison.csv and five PNG plots. */
public final class ComparisonReport {
  public static final String MARKDOWN = "comparison.md";
  public static final String CSV = "comparison.csv";
  public static final List<String> PLOTS =
      List.of(
          "accuracy_vs_macs.png",
          "accuracy_vs_latency.png",
          "accuracy_vs_memory.png",
          "training_curves.png",
          "training_loss.png");

  private ComparisonReport() {}

  public static void write(
      Path dir,
      List<ComparisonRow> rows,
      Map<String, List<EpochMetrics>> histories,
      Map<String, List<StepPoint>> steps) {
    write(dir.resolve(MARKDOWN), markdown(rows));
    write(dir.resolve(CSV), csv(rows));
    List<ScatterChart.Point> macs = new ArrayList<>();
    List<ScatterChart.Point> latency = new ArrayList<>();
    List<ScatterChart.Point> memory = new ArrayList<>();
    for (ComparisonRow r : rows) {
      double acc = 100 * r.testAccuracy();
      macs.add(new ScatterChart.Point(r.model(), r.label(), r.macs() / 1e6, acc));
      latency.add(new ScatterChart.Point(r.model(), r.label(), r.latency1Ms(), acc));
      if (!Double.isNaN(r.trainPeakMb())) {
        memory.add(new ScatterChart.Point(r.model(), r.label(), r.trainPeakMb(), acc));
      }
      if (!Double.isNaN(r.trainPeakMemoryEfficientMb())) {
        memory.add(
            new ScatterChart.Point(
                r.model(), r.label() + " (memory-efficient)", r.trainPeakMemoryEfficientMb(), acc));
      }
    }
    ScatterChart.write(
        dir.resolve(PLOTS.get(0)),
        "Test accuracy vs compute",
        "MMACs per image",
        "test accuracy %",
        macs,
        true);
    ScatterChart.write(
        dir.resolve(PLOTS.get(1)),
        "Test accuracy vs inference latency (batch 1)",
        "latency, ms",
        "test accuracy %",
        latency,
        true);
    ScatterChart.write(
        dir.resolve(PLOTS.get(2)),
        "Test accuracy vs peak training memory",
        "peak RSS of a training step, MB",
        "test accuracy %",
        memory,
        false);
    LineChart.write(
        dir.resolve(PLOTS.get(3)),
        "Test accuracy per epoch",
        "epoch",
        "test accuracy (%)",
        LineChart.Legend.BOTTOM_RIGHT,
        histories.entrySet().stream()
            .map(run -> TrainingCurves.testAccuracy(run.getKey(), run.getValue()))
            .toList());
    LineChart.write(
        dir.resolve(PLOTS.get(4)),
        "Training loss",
        "epoch",
        "training loss",
        LineChart.Legend.TOP_RIGHT,
        steps.entrySet().stream()
            .map(run -> TrainingCurves.trainingLoss(run.getKey(), run.getValue()))
            .toList());
  }

  public static String markdown(List<ComparisonRow> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| model | test acc % | params | MMACs | s/epoch | train peak MB | memory-efficient MB"
            + " | latency b1 ms | latency b64 ms |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (ComparisonRow r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f | %,d | %.1f | %s | %s | %s | %.2f | %.1f |%n",
              r.label(),
              100 * r.testAccuracy(),
              r.params(),
              r.macs() / 1e6,
              cell(r.epochSeconds(), "%.1f"),
              cell(r.trainPeakMb(), "%.0f"),
              cell(r.trainPeakMemoryEfficientMb(), "%.0f"),
              r.latency1Ms(),
              r.latency64Ms()));
    }
    return sb.toString();
  }

  static String csv(List<ComparisonRow> rows) {
    StringBuilder sb =
        new StringBuilder(
            "label,model,column,test_accuracy,params,macs,epoch_seconds,train_peak_mb,"
                + "train_peak_memory_efficient_mb,latency_b1_ms,latency_b64_ms\n");
    for (ComparisonRow r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%s,%s,%s,%.6f,%d,%d,%s,%s,%s,%.4f,%.4f%n",
              r.label(),
              r.model(),
              r.column() == null ? "" : r.column().toString(),
              r.testAccuracy(),
              r.params(),
              r.macs(),
              cell(r.epochSeconds(), "%.3f"),
              cell(r.trainPeakMb(), "%.0f"),
              cell(r.trainPeakMemoryEfficientMb(), "%.0f"),
              r.latency1Ms(),
              r.latency64Ms()));
    }
    return sb.toString();
  }

  private static String cell(double v, String format) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, format, v);
  }

  private static void write(Path file, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, o -> o.write(bytes));
  }
}
