package io.densefractal.train;

import io.densefractal.report.LineChart;
import io.densefractal.report.Series;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A run's learning curves as {@link LineChart}s: {@code loss.png} and {@code accuracy.png}, and the
 * series of epochs and step points that {@code compare} overlays across runs. Accuracies are drawn
 * in %.
 */
public final class TrainingCurves {
  public static final String LOSS_FILE = "loss.png";
  public static final String ACCURACY_FILE = "accuracy.png";

  private static final String TRAIN_STEPS = "train (every tenth of an epoch)";

  private TrainingCurves() {}

  /**
   * Writes {@code loss.png} and {@code accuracy.png} (with test top-5 where present) into {@code
   * dir}: the training curve from {@code steps} (ten points per epoch), or per epoch from {@code
   * history} when there are no step points, and the test curve per epoch. Epochs without evaluation
   * are left out of the test curves.
   */
  public static void write(Path dir, List<EpochMetrics> history, List<StepPoint> steps) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(history, "history");
    Objects.requireNonNull(steps, "steps");
    LineChart.write(
        dir.resolve(LOSS_FILE),
        "Loss",
        "epoch",
        "loss",
        LineChart.Legend.TOP_RIGHT,
        List.of(
            steps.isEmpty()
                ? perEpoch("train", history, EpochMetrics::trainLoss, 1)
                : perStep(TRAIN_STEPS, steps, StepPoint::trainLoss, 1),
            perEpoch("test", history, EpochMetrics::testLoss, 1)));
    LineChart.write(
        dir.resolve(ACCURACY_FILE),
        accuracyTitle(history),
        "epoch",
        "accuracy (%)",
        LineChart.Legend.BOTTOM_RIGHT,
        List.of(
            steps.isEmpty()
                ? perEpoch("train", history, EpochMetrics::trainAccuracy, 100)
                : perStep(TRAIN_STEPS, steps, StepPoint::trainAccuracy, 100),
            testAccuracy("test", history),
            perEpoch("test top-5", history, EpochMetrics::testTop5, 100)));
  }

  /** A run's test accuracy (%) per epoch, named {@code name}. */
  public static Series testAccuracy(String name, List<EpochMetrics> history) {
    return perEpoch(name, history, EpochMetrics::testAccuracy, 100);
  }

  /** A run's training loss at its step points (ten per epoch), named {@code name}. */
  public static Series trainingLoss(String name, List<StepPoint> steps) {
    return perStep(name, steps, StepPoint::trainLoss, 1);
  }

  private static Series perEpoch(
      String name, List<EpochMetrics> history, ToDoubleFunction<EpochMetrics> value, double scale) {
    return Series.of(name, history, EpochMetrics::epoch, m -> value.applyAsDouble(m) * scale);
  }

  private static Series perStep(
      String name, List<StepPoint> steps, ToDoubleFunction<StepPoint> value, double scale) {
    return Series.of(name, steps, StepPoint::epoch, p -> value.applyAsDouble(p) * scale);
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
}
