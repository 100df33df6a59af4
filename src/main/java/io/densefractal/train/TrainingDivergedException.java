package io.densefractal.train;

import io.densefractal.DenseFractalException;

/** The loss became NaN or infinite: the run stopped, its last good checkpoint is kept. */
public final class TrainingDivergedException extends DenseFractalException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
