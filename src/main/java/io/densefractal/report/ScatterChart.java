package io.densefractal.report;

import io.densefractal.DenseFractalException;
import java.awt.Color;
import java.awt.Font;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** A PNG scatter plot whose points carry printed labels: the trade-off plots of {@code compare}. */
public final class ScatterChart {
  private ScatterChart() {}

  /**
   * Writes a scatter plot to {@code file}: one colour per {@code series}, each point's label
   * printed next to it. Points with a NaN coordinate are left out.
   *
   * @param logX a logarithmic x axis (parameters, MACs); then every x must be positive
   * @throws DenseFractalException when {@code logX} and a point's x is not positive
   */
  public static void write(
      Path file, String title, String xLabel, String yLabel, List<Point> points, boolean logX) {
    Charts.headless();
    Objects.requireNonNull(file, "file");
    Map<String, List<Point>> bySeries = new LinkedHashMap<>();
    for (Point p : points) {
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
          double[] x = list.stream().mapToDouble(Point::x).toArray();
          double[] y = list.stream().mapToDouble(Point::y).toArray();
          chart.addSeries(series, x, y).setMarker(SeriesMarkers.CIRCLE);
        });
    List<Point> shown = bySeries.values().stream().flatMap(List::stream).toList();
    chart.addAnnotation(
        new PointLabels(
            shown.stream().map(p -> new PointLabels.Label(p.label(), p.x(), p.y())).toList()));
    padRanges(chart, shown, logX);
    Charts.writePng(Charts.withPlaceholder(chart, !bySeries.isEmpty()), file);
  }

  /** One point: its series (colour), its printed label and coordinates. */
  public record Point(String series, String label, double x, double y) {
    public Point {
      Objects.requireNonNull(series, "series");
      Objects.requireNonNull(label, "label");
    }
  }

  // Room around the points for their labels, which sit above and beside them.
  private static void padRanges(XYChart chart, List<Point> points, boolean logX) {
    if (points.isEmpty()) {
      return;
    }
    double minX = points.stream().mapToDouble(Point::x).min().orElseThrow();
    double maxX = points.stream().mapToDouble(Point::x).max().orElseThrow();
    double minY = points.stream().mapToDouble(Point::y).min().orElseThrow();
    double maxY = points.stream().mapToDouble(Point::y).max().orElseThrow();
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
