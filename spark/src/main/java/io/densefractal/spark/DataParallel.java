package io.densefractal.spark;

/**
 * How a run is spread over Spark: {@code workers} replicas, each computing its share of every
 * global batch with {@code threads} intra-op threads (0: the embedded master's cores shared among
 * its workers, or {@code spark.task.cpus} on a cluster).
 *
 * @param workers data-parallel workers (Spark tasks per step), at least 1
 * @param threads intra-op threads per worker, or 0 for the default
 * @param factory builds each replica (the zoo's model by default)
 * @param faults faults to inject (tests)
 */
public record DataParallel(int workers, int threads, ModelFactory factory, WorkerFaults faults) {
  public DataParallel {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    if (threads < 0) {
      throw new IllegalArgumentException("threads must be at least 0, got " + threads);
    }
  }

  /** {@code workers} replicas of the zoo's model, default threads. */
  public static DataParallel of(int workers, int threads) {
    return new DataParallel(workers, threads, ModelFactory.zoo(), WorkerFaults.NONE);
  }
}
