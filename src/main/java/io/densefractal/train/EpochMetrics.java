package io.densefractal.train;

/**
 * One epoch's results. {@code testLoss}, {@code testAccuracy} and {@code testTop5} are NaN when no
 * evaluation ran that epoch. Accuracies are fractions in [0, 1], not percentages.
 *
 * @param epoch 1-based epoch number
 * @param learningRate the learning rate at the end of the epoch
 * @param trainLoss mean training loss over the epoch
 * @param trainAccuracy training top-1 accuracy over the epoch
 * @param testLoss mean evaluation loss, or NaN
 * @param testAccuracy evaluation top-1 accuracy, or NaN
 * @param testTop5 evaluation top-5 accuracy, or NaN
 * @param seconds wall time of the epoch
 * @param imagesPerSecond training throughput
 */
public record EpochMetrics(
    int epoch,
    double learningRate,
    double trainLoss,
    double trainAccuracy,
    double testLoss,
    double testAccuracy,
    double testTop5,
    double seconds,
    double imagesPerSecond) {

  public EpochMetrics {
    if (epoch < 1) {
      throw new IllegalArgumentException("epoch numbers start at 1, got " + epoch);
    }
  }
}
