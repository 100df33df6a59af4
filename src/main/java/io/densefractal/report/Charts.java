package io.densefractal.report;

import io.densefractal.DenseFractalException;
import io.densefractal.files.AtomicFiles;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.IChart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** What every chart shares: headless AWT, one look, and atomic PNG files. */
public final class Charts {
  /** Default size of a chart, in pixels. */
  public static final int WIDTH = 800;

  public static final int HEIGHT = 600;

  private Charts() {}

  /**
   * Makes AWT run without a display. Call before building a chart: it must happen before the first
   * AWT class loads, and a server or CI machine has no display. A value set by the user wins.
   */
  public static void headless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** White background, light grid, readable fonts. */
  public static void style(AxesChartStyler styler) {
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setPlotBackgroundColor(Color.WHITE);
    styler.setPlotBorderColor(Color.GRAY);
    styler.setPlotGridLinesColor(new Color(0xE0E0E0));
    styler.setChartTitleBoxVisible(false);
    styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    styler.setLegendBorderColor(Color.LIGHT_GRAY);
    styler.setAntiAlias(true);
    styler.setTextAntiAlias(true);
  }

  /**
   * A short tick label for a large number: {@code 1.5M}, {@code 25M}, {@code 4.09G}, {@code 812},
   * four significant digits at most; parameter and MAC axes otherwise read {@code 2.5E7}.
   */
  public static String compactNumber(double v) {
    if (!Double.isFinite(v)) {
      return Double.toString(v);
    }
    double a = Math.abs(v);
    String[] suffixes = {"T", "G", "M", "k"};
    double[] scales = {1e12, 1e9, 1e6, 1e3};
    for (int i = 0; i < scales.length; i++) {
      if (a >= scales[i]) {
        return significant(v / scales[i]) + suffixes[i];
      }
    }
    return significant(v);
  }

  private static String significant(double v) {
    if (v == 0) {
      return "0";
    }
    return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
  }

  /** XChart cannot draw a chart without series: an empty one gets an empty plot and a note. */
  static XYChart withPlaceholder(XYChart chart, boolean hasData) {
    if (!hasData) {
      XYSeries none = chart.addSeries("no data yet", new double[] {1}, new double[] {0});
      none.setMarker(SeriesMarkers.NONE);
    }
    return chart;
  }

  /**
   * Renders {@code chart} as a PNG at {@code file}, creating its directory; written to a temp file
   * and renamed, so a reader (an image viewer refreshing during training) never sees half a file.
   *
   * @throws DenseFractalException when the file cannot be written
   */
  public static void writePng(IChart chart, Path file) {
    Path parent = file.toAbsolutePath().getParent();
    try {
      Files.createDirectories(parent);
    } catch (IOException e) {
      throw new DenseFractalException("cannot create directory " + parent + ": " + e, e);
    }
    // Encoded in memory first, without ImageIO's temp-file cache: a full disk then fails the
    // plain write below with a clear message, instead of ImageIO's cache stream failing later in
    // its own shutdown thread with a stack trace.
    ImageIO.setUseCache(false);
    byte[] png;
    try {
      png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new DenseFractalException("cannot draw " + file + ": " + e.getMessage(), e);
    }
    AtomicFiles.write(file, (OutputStream out) -> out.write(png));
  }
}
