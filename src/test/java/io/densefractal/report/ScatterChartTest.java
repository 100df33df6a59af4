package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.report.ScatterChart.Point;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScatterChartTest {
  @TempDir Path dir;

  private static List<Point> points(String... labels) {
    List<Point> points = new ArrayList<>();
    double[][] xy = {{0.27e6, 91.3}, {0.85e6, 93.0}, {1.0e6, 93.0}, {25.6e6, 96.5}, {38.6e6, 95.4}};
    String[] series = {"ResNet", "ResNet", "DenseNet", "DenseNet", "FractalNet"};
    for (int i = 0; i < xy.length; i++) {
      points.add(new Point(series[i], labels[i], xy[i][0], xy[i][1]));
    }
    return points;
  }

  @Test
  void scatterPrintsItsLabelsIntoTheImage() throws IOException {
    List<Point> labelled =
        points("resnet20", "resnet56", "densenet40_k12", "densenet_bc190_k40", "fractalnet20");
    List<Point> unlabelled = points("", "", "", "", "");
    for (boolean logX : new boolean[] {true, false}) {
      Path with = dir.resolve("with-" + logX + ".png");
      Path without = dir.resolve("without-" + logX + ".png");
      ScatterChart.write(
          with, "Accuracy vs parameters", "parameters", "accuracy (%)", labelled, logX);
      ScatterChart.write(
          without, "Accuracy vs parameters", "parameters", "accuracy (%)", unlabelled, logX);

      BufferedImage a = Pngs.read(with);
      BufferedImage b = Pngs.read(without);
      Pngs.assertSize(a, 800, 600);
      // The only difference between the two charts is the labels: they must show in pixels.
      assertThat(differingPixels(a, b))
          .as("pixels changed by labels, logX=%s", logX)
          .isGreaterThan(500);
    }
  }

  @Test
  void scatterSkipsNanPointsAndRejectsNonPositiveXOnLogAxis() throws IOException {
    List<Point> points = new ArrayList<>(points("a", "b", "c", "d", "e"));
    points.add(new Point("ResNet", "not measured", Double.NaN, 90));
    ScatterChart.write(dir.resolve("nan.png"), "t", "x", "y", points, true);
    Pngs.read(dir.resolve("nan.png"));

    points.add(new Point("ResNet", "free model", 0, 90));
    assertThatThrownBy(
            () -> ScatterChart.write(dir.resolve("zero.png"), "t", "x", "y", points, true))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("free model");
    ScatterChart.write(dir.resolve("zero-linear.png"), "t", "x", "y", points, false);
    Pngs.read(dir.resolve("zero-linear.png"));
  }

  @Test
  void scatterOfNoPointsAndOfOnePointRender() throws IOException {
    ScatterChart.write(dir.resolve("none.png"), "t", "x", "y", List.of(), false);
    ScatterChart.write(
        dir.resolve("one.png"), "t", "x", "y", List.of(new Point("s", "p", 5, 5)), true);
    Pngs.read(dir.resolve("none.png"));
    Pngs.read(dir.resolve("one.png"));
  }

  private static long differingPixels(BufferedImage a, BufferedImage b) {
    long n = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        if (a.getRGB(x, y) != b.getRGB(x, y)) {
          n++;
        }
      }
    }
    return n;
  }
}
