package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.train.Plots.ScatterPoint;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @TempDir Path dir;

  private static BufferedImage png(Path file) throws IOException {
    assertThat(file).isRegularFile();
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(image).as("a readable PNG at %s", file).isNotNull();
    return image;
  }

  private static void assertSize(BufferedImage image, int width, int height) {
    assertThat(image.getWidth()).isEqualTo(width);
    assertThat(image.getHeight()).isEqualTo(height);
  }

  /** Test results every {@code evalEvery} epochs, NaN in between; top-5 never when 0. */
  private static List<EpochMetrics> history(int epochs, int evalEvery, boolean top5) {
    List<EpochMetrics> h = new ArrayList<>();
    for (int e = 1; e <= epochs; e++) {
      double loss = 2.3 * Math.exp(-e / 5.0) + 0.1;
      boolean eval = evalEvery > 0 && e % evalEvery == 0;
      h.add(
          new EpochMetrics(
              e,
              0.1,
              loss,
              1 - loss / 2.5,
              eval ? loss + 0.1 : Double.NaN,
              eval ? 1 - loss / 2.3 : Double.NaN,
              eval && top5 ? 0.99 : Double.NaN,
              10,
              900));
    }
    return h;
  }

  private void assertNoTempFiles(Path where) throws IOException {
    try (Stream<Path> files = Files.list(where)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }

  @Test
  void curvesWriteLossAndAccuracyPngs() throws IOException {
    Path run = dir.resolve("runs/a");
    Plots.curves(run, history(30, 1, true), List.of());

    assertSize(png(run.resolve("loss.png")), 800, 600);
    assertSize(png(run.resolve("accuracy.png")), 800, 600);
    assertNoTempFiles(run);
  }

  @Test
  void curvesDrawTheTrainingCurveFromStepPoints() throws IOException {
    List<StepPoint> steps = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      steps.add(new StepPoint(i * 47L, i / 10.0, 0.1, 2.0 / i, 0.5 + i / 40.0));
    }
    Plots.curves(dir, history(1, 1, false), steps);
    byte[] withSteps = Files.readAllBytes(dir.resolve("loss.png"));
    Plots.curves(dir, history(1, 1, false), List.of());
    assertThat(Files.readAllBytes(dir.resolve("loss.png"))).isNotEqualTo(withSteps);
    assertSize(png(dir.resolve("accuracy.png")), 800, 600);

    Path overlaid = dir.resolve("compare/training_loss.png");
    Plots.overlaidTrainingLoss(overlaid, "Training loss", Map.of("a", steps, "b", List.of()));
    assertSize(png(overlaid), 800, 600);
  }

  @Test
  void curvesSkipNanTestValues() throws IOException {
    Plots.curves(dir.resolve("some"), history(12, 3, false), List.of());
    Plots.curves(dir.resolve("none"), history(5, 0, false), List.of());

    assertSize(png(dir.resolve("some/accuracy.png")), 800, 600);
    assertSize(png(dir.resolve("none/loss.png")), 800, 600);
    assertSize(png(dir.resolve("none/accuracy.png")), 800, 600);
  }

  @Test
  void curvesOfEmptyHistoryStillWriteCharts() throws IOException {
    Plots.curves(dir, List.of(), List.of());
    assertSize(png(dir.resolve("loss.png")), 800, 600);
    assertSize(png(dir.resolve("accuracy.png")), 800, 600);
  }

  @Test
  void curvesReplaceEarlierCharts() throws IOException {
    Plots.curves(dir, history(2, 1, false), List.of());
    byte[] first = Files.readAllBytes(dir.resolve("loss.png"));
    Plots.curves(dir, history(20, 1, false), List.of());
    assertThat(Files.readAllBytes(dir.resolve("loss.png"))).isNotEqualTo(first);
    assertNoTempFiles(dir);
  }

  @Test
  void confusionOfTenClassesIsAPngWithCounts() throws IOException {
    List<String> classes =
        List.of(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck");
    long[][] m = new long[10][10];
    for (int t = 0; t < 10; t++) {
      for (int p = 0; p < 10; p++) {
        m[t][p] = t == p ? 900 + t : (t + p) % 7;
      }
    }
    Path file = dir.resolve("eval/confusion.png");
    Plots.confusion(file, m, classes);

    BufferedImage image = png(file);
    assertSize(image, 900, 800);
    assertNoTempFiles(file.getParent());
  }

  @Test
  void confusionScalesWithManyClasses() throws IOException {
    int n = 120;
    long[][] m = new long[n][n];
    for (int i = 0; i < n; i++) {
      m[i][i] = 50;
      m[i][(i + 1) % n] = 3;
    }
    List<String> classes = IntStream.range(0, n).mapToObj(i -> "c" + i).toList();
    Plots.confusion(dir.resolve("big.png"), m, classes);
    assertSize(png(dir.resolve("big.png")), 2220, 2120);
  }

  @Test
  void confusionOfAllZerosAndOneClassRender() throws IOException {
    Plots.confusion(dir.resolve("zeros.png"), new long[3][3], List.of("a", "b", "c"));
    Plots.confusion(dir.resolve("one.png"), new long[][] {{7}}, List.of("only"));
    png(dir.resolve("zeros.png"));
    png(dir.resolve("one.png"));
  }

  @Test
  void confusionRejectsMismatchedShapes() {
    assertThatThrownBy(
            () -> Plots.confusion(dir.resolve("x.png"), new long[2][2], List.of("a", "b", "c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 classes");
    assertThatThrownBy(
            () ->
                Plots.confusion(
                    dir.resolve("x.png"), new long[][] {{1, 2}, {3}}, List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1");
    assertThatThrownBy(
            () -> Plots.confusion(dir.resolve("x.png"), new long[][] {{-1}}, List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(dir.resolve("x.png")).doesNotExist();
  }

  @Test
  void overlaidCurvesDrawOneSeriesPerRun() throws IOException {
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    runs.put("resnet20_cifar", history(30, 1, false));
    runs.put("densenet40_k12", history(20, 2, false));
    runs.put("never evaluated", history(5, 0, false));
    Path file = dir.resolve("compare/test-accuracy.png");
    Plots.overlaidCurves(file, "Test accuracy", runs);
    assertSize(png(file), 800, 600);

    Plots.overlaidCurves(dir.resolve("empty.png"), "Nothing", Map.of());
    png(dir.resolve("empty.png"));
  }

  private static List<ScatterPoint> points(String... labels) {
    List<ScatterPoint> points = new ArrayList<>();
    double[][] xy = {{0.27e6, 91.3}, {0.85e6, 93.0}, {1.0e6, 93.0}, {25.6e6, 96.5}, {38.6e6, 95.4}};
    String[] series = {"ResNet", "ResNet", "DenseNet", "DenseNet", "FractalNet"};
    for (int i = 0; i < xy.length; i++) {
      points.add(new ScatterPoint(series[i], labels[i], xy[i][0], xy[i][1]));
    }
    return points;
  }

  @Test
  void scatterPrintsItsLabelsIntoTheImage() throws IOException {
    List<ScatterPoint> labelled =
        points("resnet20", "resnet56", "densenet40_k12", "densenet_bc190_k40", "fractalnet20");
    List<ScatterPoint> unlabelled = points("", "", "", "", "");
    for (boolean logX : new boolean[] {true, false}) {
      Path with = dir.resolve("with-" + logX + ".png");
      Path without = dir.resolve("without-" + logX + ".png");
      Plots.scatter(with, "Accuracy vs parameters", "parameters", "accuracy (%)", labelled, logX);
      Plots.scatter(
          without, "Accuracy vs parameters", "parameters", "accuracy (%)", unlabelled, logX);

      BufferedImage a = png(with);
      BufferedImage b = png(without);
      assertSize(a, 800, 600);
      // The only difference between the two charts is the labels: they must show in pixels.
      assertThat(differingPixels(a, b))
          .as("pixels changed by labels, logX=%s", logX)
          .isGreaterThan(500);
    }
  }

  @Test
  void scatterSkipsNanPointsAndRejectsNonPositiveXOnLogAxis() throws IOException {
    List<ScatterPoint> points = new ArrayList<>(points("a", "b", "c", "d", "e"));
    points.add(new ScatterPoint("ResNet", "not measured", Double.NaN, 90));
    Plots.scatter(dir.resolve("nan.png"), "t", "x", "y", points, true);
    png(dir.resolve("nan.png"));

    points.add(new ScatterPoint("ResNet", "free model", 0, 90));
    assertThatThrownBy(() -> Plots.scatter(dir.resolve("zero.png"), "t", "x", "y", points, true))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("free model");
    Plots.scatter(dir.resolve("zero-linear.png"), "t", "x", "y", points, false);
    png(dir.resolve("zero-linear.png"));
  }

  @Test
  void scatterOfNoPointsAndOfOnePointRender() throws IOException {
    Plots.scatter(dir.resolve("none.png"), "t", "x", "y", List.of(), false);
    Plots.scatter(
        dir.resolve("one.png"), "t", "x", "y", List.of(new ScatterPoint("s", "p", 5, 5)), true);
    png(dir.resolve("none.png"));
    png(dir.resolve("one.png"));
  }

  @Test
  void unwritableTargetIsAUserError() throws IOException {
    Path file = dir.resolve("blocker");
    Files.writeString(file, "not a directory");
    assertThatThrownBy(() -> Plots.curves(file, history(2, 1, false), List.of()))
        .isInstanceOf(DenseFractalException.class);
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
