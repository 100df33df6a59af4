package io.densefractal.spark;

import java.io.Serializable;

/**
 * Faults a test injects into one worker's step, to show how the run reacts: a NaN input (the
 * worker's loss becomes NaN, as when one shard's data or arithmetic goes wrong).
 *
 * @param nanRank the worker whose input becomes NaN, or -1 for none
 * @param nanStep at this global step (0-based)
 */
public record WorkerFaults(int nanRank, long nanStep) implements Serializable {
  public static final WorkerFaults NONE = new WorkerFaults(-1, -1);

  boolean nanAt(int rank, long step) {
    return rank == nanRank && step == nanStep;
  }
}
