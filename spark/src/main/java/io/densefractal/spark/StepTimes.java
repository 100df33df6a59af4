package io.densefractal.spark;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where the time of data-parallel steps goes, summed over a run's steps: the driver's preparation
 * (reading and broadcasting the weights), the Spark job (scheduling, the broadcast's transfer, the
 * workers' compute, the results' transfer), of which the slowest worker's compute, and averaging
 * on the driver. Also the bytes each worker receives and returns per step.
 */
public final class StepTimes {
  private long steps;
  private long prepareNanos;
  private long jobNanos;
  private long slowestComputeNanos;
  private long workersComputeNanos;
  private long reduceNanos;
  private long bytesOutPerWorker;
  private long bytesBackPerWorker;
  private long retriedSteps;
  private long verifiedWorkerSteps;
  private final Map<Integer, Set<String>> executorsByRank = new TreeMap<>();

  synchronized void add(
      long prepare,
      long job,
      long slowestCompute,
      long workersCompute,
      long reduce,
      long bytesOut,
      long bytesBack) {
    steps++;
    prepareNanos += prepare;
    jobNanos += job;
    slowestComputeNanos += slowestCompute;
    workersComputeNanos += workersCompute;
    reduceNanos += reduce;
    bytesOutPerWorker = bytesOut;
    bytesBackPerWorker = bytesBack;
  }

  synchronized void retried() {
    retriedSteps++;
  }

  /** Worker {@code rank} computed a step on {@code executor} with the driver's very weights. */
  synchronized void verified(int rank, String executor) {
    verifiedWorkerSteps++;
    executorsByRank.computeIfAbsent(rank, r -> new TreeSet<>()).add(executor);
  }

  /**
   * Worker steps whose replica held exactly the driver's weights and buffers (checksum of the
   * values read back from the replica's engine); a step with any other is refused, not counted.
   */
  public synchronized long verifiedWorkerSteps() {
    return verifiedWorkerSteps;
  }

  /** The executors each worker's steps ran on (more than one after an executor was lost). */
  public synchronized Map<Integer, Set<String>> executorsByRank() {
    Map<Integer, Set<String>> copy = new TreeMap<>();
    executorsByRank.forEach((r, e) -> copy.put(r, Set.copyOf(e)));
    return copy;
  }

  public synchronized long steps() {
    return steps;
  }

  /** Mean milliseconds per step of the whole step (preparation, job, averaging). */
  public synchronized double stepMillis() {
    return steps == 0 ? 0 : (prepareNanos + jobNanos + reduceNanos) / 1e6 / steps;
  }

  /** Mean milliseconds per step of the slowest worker's own work (weights in, shard, compute). */
  public synchronized double computeMillis() {
    return steps == 0 ? 0 : slowestComputeNanos / 1e6 / steps;
  }

  /**
   * The workers' compute summed over workers, divided by the Spark jobs' time: how many workers
   * computed at once on average. Above 1 only when workers ran side by side; workers taking turns
   * stay below 1 (the job also schedules and moves bytes).
   */
  public synchronized double concurrency() {
    return jobNanos == 0 ? 0 : (double) workersComputeNanos / jobNanos;
  }

  /** Mean milliseconds per step spent outside the workers' compute: the cost of distribution. */
  public synchronized double communicationMillis() {
    return stepMillis() - computeMillis();
  }

  public synchronized long bytesOutPerWorker() {
    return bytesOutPerWorker;
  }

  public synchronized long bytesBackPerWorker() {
    return bytesBackPerWorker;
  }

  /** Steps in which Spark reran a worker's task (a lost executor, a failed task). */
  public synchronized long retriedSteps() {
    return retriedSteps;
  }

  @Override
  public synchronized String toString() {
    return String.format(
        Locale.ROOT,
        "%d steps, %.1f ms per step: slowest worker %.1f ms, distribution %.1f ms (driver"
            + " broadcast %.1f, Spark job beyond compute %.1f, averaging %.1f); per worker and"
            + " step %.2f MB weights out, %.2f MB gradients back; workers computing at once %.2f%s",
        steps,
        stepMillis(),
        computeMillis(),
        communicationMillis(),
        steps == 0 ? 0 : prepareNanos / 1e6 / steps,
        steps == 0 ? 0 : (jobNanos - slowestComputeNanos) / 1e6 / steps,
        steps == 0 ? 0 : reduceNanos / 1e6 / steps,
        bytesOutPerWorker / 1e6,
        bytesBackPerWorker / 1e6,
        concurrency(),
        retriedSteps == 0 ? "" : "; " + retriedSteps + " step(s) had a task rerun");
  }
}
