package io.densefractal.train;

import java.util.List;

/**
 * Where a run stands after an epoch: saved in each checkpoint next to the weights and optimizer
 * state, it is all {@code --resume} needs.
 *
 * @param config the run's configuration
 * @param classes class names, label order
 * @param epochsDone completed epochs
 * @param globalStep optimizer steps taken
 * @param bestAccuracy best test top-1 so far (fraction), -1 before any evaluation
 * @param bestEpoch the epoch (1-based) of the best accuracy, 0 if none
 */
public record TrainingState(
    TrainConfig config,
    List<String> classes,
    int epochsDone,
    long globalStep,
    double bestAccuracy,
    int bestEpoch) {
  public TrainingState {
    classes = List.copyOf(classes);
  }
}
