package io.densefractal.train;

import io.densefractal.DenseFractalException;
import io.densefractal.report.Charts;
import io.densefractal.report.PointLabels;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of training runs, drawn with XChart without a display: learning curves, confusion
 * matrices, and the overlays and scatter plots of {@code compare}. Each file is written to a temp
 * file and renamed, so a viewer refreshing it during training never reads half an image.
 */
public final class Plots {
  public static final String LOSS_FILE = "loss.png";
  public static final String ACCURACY_FILE = "accuracy.png";

  // Above this many points per series, markers hide the line instead of helping read it.
  private static final int MAX_MARKED_POINTS = 50;
  // Counts stay readable in cells up to this many classes, tick labels up to the second.
  private static final int MAX_CLASSES_WITH_COUNTS = 20;
  private static final int MAX_CLASSES_WITH_NAMES = 100;

  private static final String TRAIN_STEPS = "train (every tenth of an epoch)";

  private Plots() {}

  /**
   * Writes {@code loss.png} and {@code accuracy.png} (in %, with test top-5 where present) into
   * {@code dir}: the training curve from {@code steps} (ten points per epoch), or per epoch from
   * {@code history} when there are no step points, and the test curve per epoch. NaN points (epochs
   * without evaluation) are left out.
   */
  public static void curves(Path dir, List<EpochMetrics> history, List<StepPoint> steps) {
    Charts.headless();
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(steps, "steps");

    XYChart loss = lineChart("Loss", "epoch", "loss");
    boolean any =
        steps.isEmpty()
            ? addCurve(loss, "train", history, EpochMetrics::trainLoss, 1)
            : addSteps(loss, TRAIN_STEPS, steps, StepPoint::trainLoss, 1);
    any |= addCurve(loss, "test", history, EpochMetrics::testLoss, 1);
    Charts.writePng(withPlaceholder(loss, any), dir.resolve(LOSS_FILE));

    XYChart accuracy = lineChart(accuracyTitle(history), "epoch", "accuracy (%)");
    any =
        steps.isEmpty()
            ? addCurve(accuracy, "train", history, EpochMetrics::trainAccuracy, 100)
            : addSteps(accuracy, TRAIN_STEPS, steps, StepPoint::trainAccuracy, 100);
    any |= addCurve(accuracy, "test", history, EpochMetrics::testAccuracy, 100);
    any |= addCurve(accuracy, "test top-5", history, EpochMetrics::testTop5, 100);
    accuracy.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    Charts.writePng(withPlaceholder(accuracy, any), dir.resolve(ACCURACY_FILE));
  }

  /**
   * Writes a confusion-matrix heat map to {@code file}: rows are true classes (the first at the
   * top), columns predicted ones, both labelled with the class names. Counts are printed in the
   * cells up to 20 classes; names are left off the axes beyond 100, where they could not be read.
   *
   * @param matrix {@code matrix[true][predicted]} counts, square, one row per class
   */
  public static void confusion(Path file, long[][] matrix, List<String> classes) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    int n = classes.size();
    if (n == 0) {
      throw new IllegalArgumentException("a confusion matrix needs at least one class");
    }
    if (matrix.length != n) {
      throw new IllegalArgumentException(
          "confusion matrix has " + matrix.length + " rows for " + n + " classes");
    }
    long samples = 0;
    long correct = 0;
    for (int t = 0; t < n; t++) {
      if (matrix[t].length != n) {
        throw new IllegalArgumentException(
            "confusion matrix row " + t + " has " + matrix[t].length + " columns, not " + n);
      }
      for (int p = 0; p < n; p++) {
        if (matrix[t][p] < 0) {
          throw new IllegalArgumentException("negative count at [" + t + "][" + p + "]");
        }
        samples += matrix[t][p];
      }
      correct += matrix[t][t];
    }

    // 16 px per class beyond 37 classes, so 100 names stay legible; capped for ImageNet's 1000.
    int side = Math.min(2400, Math.max(800, 200 + 16 * n));
    HeatMapChart chart = new HeatMapChart(side + 100, side, Styler.ChartTheme.XChart);
    String accuracy =
        samples == 0
            ? ""
            : String.format(Locale.ROOT, ", %.2f%% correct", 100.0 * correct / samples);
    chart.setTitle("Confusion matrix (" + samples + " samples" + accuracy + ")");
    chart.setXAxisTitle("predicted class");
    chart.setYAxisTitle("true class");
    HeatMapStyler styler = chart.getStyler();
    Charts.style(styler);
    styler.setPlotContentSize(1);
    styler.setPlotGridLinesVisible(false);
    styler.setLegendPosition(Styler.LegendPosition.OutsideE);
    // Light enough at the top that the black counts stay readable on the darkest cell.
    styler.setRangeColors(new Color[] {Color.WHITE, new Color(0x9ECAE1), new Color(0x3182BD)});
    styler.setShowValue(n <= MAX_CLASSES_WITH_COUNTS);
    styler.setValueFont(new Font(Font.SANS_SERIF, Font.PLAIN, n <= 10 ? 13 : 10));
    styler.setValueFontColor(Color.BLACK);
    styler.setHeatMapValueDecimalPattern("0");
    // Every class gets its name; XChart would otherwise skip names it finds too close together.
    styler.setXAxisTickMarkSpacingHint(1);
    styler.setYAxisTickMarkSpacingHint(1);
    styler.setDrawBorder(n <= MAX_CLASSES_WITH_COUNTS);
    if (n > 10) {
      styler.setXAxisLabelRotation(90);
    }
    if (n > MAX_CLASSES_WITH_COUNTS) {
      styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    }
    if (n > MAX_CLASSES_WITH_NAMES) {
      styler.setAxisTicksVisible(false);
    }

    // XChart draws the first y category at the bottom; reversed, the first class is on top.
    List<String> rows = new ArrayList<>(classes);
    Collections.reverse(rows);
    List<Number[]> cells = new ArrayList<>(n * n);
    for (int t = 0; t < n; t++) {
      for (int p = 0; p < n; p++) {
        cells.add(new Number[] {p, n - 1 - t, matrix[t][p]});
      }
    }
    chart.addSeries("count", classes, rows, cells);
    Charts.writePng(chart, file);
  }

  /**
   * Writes several runs' test accuracy (%) per epoch as overlaid curves to {@code file}, one series
   * per run name, for comparing runs. Epochs without evaluation are left out.
   */
  public static void overlaidCurves(Path file, String title, Map<String, List<EpochMetrics>> runs) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    XYChart chart = lineChart(title, "epoch", "test accuracy (%)");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
    boolean any = false;
    for (Map.Entry<String, List<EpochMetrics>> run : runs.entrySet()) {
      any |= addCurve(chart, run.getKey(), run.getValue(), EpochMetrics::testAccuracy, 100);
    }
    Charts.writePng(withPlaceholder(chart, any), file);
  }

  /**
   * Writes several runs' training loss as overlaid curves to {@code file}, ten points per epoch,
   * one series per run name: unlike test accuracy, readable for runs of a single epoch.
   */
  public static void overlaidTrainingLoss(
      Path file, String title, Map<String, List<StepPoint>> runs) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    XYChart chart = lineChart(title, "epoch", "training loss");
    boolean any = false;
    for (Map.Entry<String, List<StepPoint>> run : runs.entrySet()) {
      any |= addSteps(chart, run.getKey(), run.getValue(), StepPoint::trainLoss, 1);
    }
    Charts.writePng(withPlaceholder(chart, any), file);
  }

  /**
   * Writes a scatter plot to {@code file}: one colour per {@code series}, each point's label
   * printed next to it. Points with a NaN coordinate are left out.
   *
   * @param logX a logarithmic x axis (parameters, MACs); then every x must be positive
   * @throws DenseFractalException when {@code logX} and a point's x is not positive
   */
  public static void scatter(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<ScatterPoint> points,
      boolean logX) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    Map<String, List<ScatterPoint>> bySeries = new LinkedHashMap<>();
    for (ScatterPoint p : points) {
      if (Double.isNaN(p.x()) || Double.isNaN(p.y())) {
        continue;
      }
      if (logX && !(p.x() > 0)) {
        throw new DenseFractalException(
            "cannot place " + p.label() + " (x = " + p.x() + ") on a logarithmic x axis");
      }
      bySeries.computeIfAbsent(p.series(), k -> new ArrayList<>()).add(p);
    }

    XYChart chart = new XYChart(Charts.WIDTH, Charts.HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle(xLabel);
    chart.setYAxisTitle(yLabel);
    XYStyler styler = chart.getStyler();
    Charts.style(styler);
    styler.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    styler.setLegendPosition(Styler.LegendPosition.OutsideS);
    styler.setLegendLayout(Styler.LegendLayout.Horizontal);
    styler.setMarkerSize(9);
    styler.setXAxisLogarithmic(logX);
    styler.setXAxisTickLabelsFormattingFunction(Charts::compactNumber);
    styler.setAnnotationTextFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    styler.setAnnotationTextFontColor(Color.DARK_GRAY);
    bySeries.forEach(
        (series, list) -> {
          double[] x = list.stream().mapToDouble(ScatterPoint::x).toArray();
          double[] y = list.stream().mapToDouble(ScatterPoint::y).toArray();
          chart.addSeries(series, x, y).setMarker(SeriesMarkers.CIRCLE);
        });
    List<ScatterPoint> shown = bySeries.values().stream().flatMap(List::stream).toList();
    chart.addAnnotation(
        new PointLabels(
            shown.stream().map(p -> new PointLabels.Label(p.label(), p.x(), p.y())).toList()));
    padRanges(chart, shown, logX);
    Charts.writePng(withPlaceholder(chart, !bySeries.isEmpty()), file);
  }

  /** One point of {@link #scatter}: its series (colour), its printed label and coordinates. */
  public record ScatterPoint(String series, String label, double x, double y) {
    public ScatterPoint {
      Objects.requireNonNull(series, "series");
      Objects.requireNonNull(label, "label");
    }
  }

  private static XYChart lineChart(String title, String xLabel, String yLabel) {
    XYChart chart = new XYChart(Charts.WIDTH, Charts.HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle(xLabel);
    chart.setYAxisTitle(yLabel);
    Charts.style(chart.getStyler());
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    return chart;
  }

  /**
   * Adds {@code value × scale} per epoch as a line, without NaN points; no series at all when every
   * point is NaN. Returns whether it added one.
   */
  private static boolean addCurve(
      XYChart chart,
      String name,
      List<EpochMetrics> history,
      ToDoubleFunction<EpochMetrics> value,
      double scale) {
    return addSeries(chart, name, history, m -> m.epoch(), value, scale);
  }

  /** {@link #addCurve} for step points, at their fractional epochs. */
  private static boolean addSteps(
      XYChart chart,
      String name,
      List<StepPoint> steps,
      ToDoubleFunction<StepPoint> value,
      double scale) {
    return addSeries(chart, name, steps, StepPoint::epoch, value, scale);
  }

  private static <T> boolean addSeries(
      XYChart chart,
      String name,
      List<T> points,
      ToDoubleFunction<T> x,
      ToDoubleFunction<T> value,
      double scale) {
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (T p : points) {
      double v = value.applyAsDouble(p);
      if (Double.isFinite(v)) {
        xs.add(x.applyAsDouble(p));
        ys.add(v * scale);
      }
    }
    if (xs.isEmpty()) {
      return false;
    }
    XYSeries series = chart.addSeries(name, xs, ys);
    series.setMarker(xs.size() <= MAX_MARKED_POINTS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    return true;
  }

  private static String accuracyTitle(List<EpochMetrics> history) {
    EpochMetrics best = null;
    for (EpochMetrics m : history) {
      if (Double.isFinite(m.testAccuracy())
          && (best == null || m.testAccuracy() > best.testAccuracy())) {
        best = m;
      }
    }
    if (best == null) {
      return "Accuracy";
    }
    return String.format(
        Locale.ROOT,
        "Accuracy (best test %.2f%% at epoch %d)",
        best.testAccuracy() * 100,
        best.epoch());
  }

  /** XChart cannot draw a chart without series: an empty run gets an empty plot and a note. */
  private static XYChart withPlaceholder(XYChart chart, boolean hasData) {
    if (!hasData) {
      XYSeries none = chart.addSeries("no data yet", new double[] {1}, new double[] {0});
      none.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  // Room around the points for their labels, which sit above and beside them.
  private static void padRanges(XYChart chart, List<ScatterPoint> points, boolean logX) {
    if (points.isEmpty()) {
      return;
    }
    double minX = points.stream().mapToDouble(ScatterPoint::x).min().orElseThrow();
    double maxX = points.stream().mapToDouble(ScatterPoint::x).max().orElseThrow();
    double minY = points.stream().mapToDouble(ScatterPoint::y).min().orElseThrow();
    double maxY = points.stream().mapToDouble(ScatterPoint::y).max().orElseThrow();
    double spanY = maxY > minY ? maxY - minY : Math.max(1, Math.abs(maxY));
    chart.getStyler().setYAxisMin(minY - 0.05 * spanY);
    chart.getStyler().setYAxisMax(maxY + 0.1 * spanY);
    if (!logX) {
      double spanX = maxX > minX ? maxX - minX : Math.max(1, Math.abs(maxX));
      chart.getStyler().setXAxisMin(minX - 0.05 * spanX);
      chart.getStyler().setXAxisMax(maxX + 0.15 * spanX);
    }
  }
}
