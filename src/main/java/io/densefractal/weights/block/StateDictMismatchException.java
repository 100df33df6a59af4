package io.densefractal.weights.block;

import io.densefractal.DenseFractalException;

/** A strict load found missing, unexpected or mis-shaped keys; the message lists all of them. */
public class StateDictMismatchException extends DenseFractalException {
  private static final long serialVersionUID = 1L;
  private final transient LoadReport report;

  public StateDictMismatchException(LoadReport report) {
    super(report.describe());
    this.report = report;
  }

  public LoadReport report() {
    return report;
  }
}
