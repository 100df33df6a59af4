package io.densefractal.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A PNG of named lines over one x axis: learning curves, and runs overlaid for comparison. */
public final class LineChart {
  /** Where the legend sits inside the plot: away from where the lines usually run. */
  public enum Legend {
    TOP_RIGHT,
    BOTTOM_RIGHT
  }

  // Above this many points per series, markers hide the line instead of helping read it.
  private static final int MAX_MARKED_POINTS = 50;

  private LineChart() {}

  /**
   * Writes {@code series} as lines to {@code file}, in order. Points with a non-finite y are left
   * out, and a series without any other point is not drawn.
   */
  public static void write(
      Path file, String title, String xLabel, String yLabel, Legend legend, List<Series> series) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    XYChart chart = new XYChart(Charts.WIDTH, Charts.HEIGHT);
    chart.setTitle(title);
    chart.setXAxisTitle(xLabel);
    chart.setYAxisTitle(yLabel);
    Charts.style(chart.getStyler());
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    chart
        .getStyler()
        .setLegendPosition(
            legend == Legend.TOP_RIGHT
                ? Styler.LegendPosition.InsideNE
                : Styler.LegendPosition.InsideSE);
    boolean any = false;
    for (Series s : series) {
      any |= add(chart, s);
    }
    Charts.writePng(Charts.withPlaceholder(chart, any), file);
  }

  private static boolean add(XYChart chart, Series s) {
    double[] x = s.x();
    double[] y = s.y();
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < y.length; i++) {
      if (Double.isFinite(y[i])) {
        xs.add(x[i]);
        ys.add(y[i]);
      }
    }
    if (xs.isEmpty()) {
      return false;
    }
    XYSeries line = chart.addSeries(s.name(), xs, ys);
    line.setMarker(xs.size() <= MAX_MARKED_POINTS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    return true;
  }
}
