package io.densefractal.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of a training run.
 *
 * @param runDir where checkpoints, metrics and plots are
 * @param state the final training state (as in checkpoint-last)
 * @param history metrics of every epoch so far
 * @param finalEval evaluation after the last epoch trained now, null if none was trained
 */
public record TrainResult(
    Path runDir, TrainingState state, List<EpochMetrics> history, EvalResult finalEval) {
  public TrainResult {
    history = List.copyOf(history);
  }
}
