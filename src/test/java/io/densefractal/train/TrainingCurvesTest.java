package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.report.LineChart;
import io.densefractal.report.Pngs;
import io.densefractal.report.Series;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCurvesTest {
  @TempDir Path dir;

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

  @Test
  void curvesWriteLossAndAccuracyPngs() throws IOException {
    Path run = dir.resolve("runs/a");
    TrainingCurves.write(run, history(30, 1, true), List.of());

    Pngs.assertSize(Pngs.read(run.resolve("loss.png")), 800, 600);
    Pngs.assertSize(Pngs.read(run.resolve("accuracy.png")), 800, 600);
    Pngs.assertNoTempFiles(run);
  }

  @Test
  void curvesDrawTheTrainingCurveFromStepPoints() throws IOException {
    List<StepPoint> steps = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      steps.add(new StepPoint(i * 47L, i / 10.0, 0.1, 2.0 / i, 0.5 + i / 40.0));
    }
    TrainingCurves.write(dir, history(1, 1, false), steps);
    byte[] withSteps = Files.readAllBytes(dir.resolve("loss.png"));
    TrainingCurves.write(dir, history(1, 1, false), List.of());
    assertThat(Files.readAllBytes(dir.resolve("loss.png"))).isNotEqualTo(withSteps);
    Pngs.assertSize(Pngs.read(dir.resolve("accuracy.png")), 800, 600);

    Path overlaid = dir.resolve("compare/training_loss.png");
    LineChart.write(
        overlaid,
        "Training loss",
        "epoch",
        "training loss",
        LineChart.Legend.TOP_RIGHT,
        List.of(
            TrainingCurves.trainingLoss("a", steps), TrainingCurves.trainingLoss("b", List.of())));
    Pngs.assertSize(Pngs.read(overlaid), 800, 600);
  }

  @Test
  void curvesSkipNanTestValues() throws IOException {
    TrainingCurves.write(dir.resolve("some"), history(12, 3, false), List.of());
    TrainingCurves.write(dir.resolve("none"), history(5, 0, false), List.of());

    Pngs.assertSize(Pngs.read(dir.resolve("some/accuracy.png")), 800, 600);
    Pngs.assertSize(Pngs.read(dir.resolve("none/loss.png")), 800, 600);
    Pngs.assertSize(Pngs.read(dir.resolve("none/accuracy.png")), 800, 600);
  }

  @Test
  void curvesOfEmptyHistoryStillWriteCharts() throws IOException {
    TrainingCurves.write(dir, List.of(), List.of());
    Pngs.assertSize(Pngs.read(dir.resolve("loss.png")), 800, 600);
    Pngs.assertSize(Pngs.read(dir.resolve("accuracy.png")), 800, 600);
  }

  @Test
  void curvesReplaceEarlierCharts() throws IOException {
    TrainingCurves.write(dir, history(2, 1, false), List.of());
    byte[] first = Files.readAllBytes(dir.resolve("loss.png"));
    TrainingCurves.write(dir, history(20, 1, false), List.of());
    assertThat(Files.readAllBytes(dir.resolve("loss.png"))).isNotEqualTo(first);
    Pngs.assertNoTempFiles(dir);
  }

  @Test
  void overlaidCurvesDrawOneSeriesPerRun() throws IOException {
    Map<String, List<EpochMetrics>> runs = new LinkedHashMap<>();
    runs.put("resnet20_cifar", history(30, 1, false));
    runs.put("densenet40_k12", history(20, 2, false));
    runs.put("never evaluated", history(5, 0, false));
    Path file = dir.resolve("compare/test-accuracy.png");
    List<Series> series =
        runs.entrySet().stream()
            .map(r -> TrainingCurves.testAccuracy(r.getKey(), r.getValue()))
            .toList();
    LineChart.write(
        file, "Test accuracy", "epoch", "accuracy (%)", LineChart.Legend.BOTTOM_RIGHT, series);
    Pngs.assertSize(Pngs.read(file), 800, 600);
    assertThat(series.get(1).y())
        .containsExactly(
            history(20, 2, false).stream().mapToDouble(m -> m.testAccuracy() * 100).toArray());
  }

  @Test
  void unwritableTargetIsAUserError() throws IOException {
    Path file = dir.resolve("blocker");
    Files.writeString(file, "not a directory");
    assertThatThrownBy(() -> TrainingCurves.write(file, history(2, 1, false), List.of()))
        .isInstanceOf(DenseFractalException.class);
  }
}
