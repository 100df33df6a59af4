package io.densefractal.report;

import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;

/** A PNG heat map of a confusion matrix, labelled with the class names. */
public final class ConfusionChart {
  // Counts stay readable in cells up to this many classes, tick labels up to the second.
  private static final int MAX_CLASSES_WITH_COUNTS = 20;
  private static final int MAX_CLASSES_WITH_NAMES = 100;

  private ConfusionChart() {}

  /**
   * Writes a confusion-matrix heat map to {@code file}: rows are true classes (the first at the
   * top), columns predicted ones, both labelled with the class names. Counts are printed in the
   * cells up to 20 classes; names are left off the axes beyond 100, where they could not be read.
   *
   * @param matrix {@code matrix[true][predicted]} counts, square, one row per class
   */
  public static void write(Path file, long[][] matrix, List<String> classes) {
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
}
