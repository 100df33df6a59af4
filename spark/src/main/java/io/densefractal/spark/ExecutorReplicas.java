package io.densefractal.spark;

import io.densefractal.train.RunData;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The training replicas and data of this JVM (an executor, or the driver of an embedded run): a
 * replica per (run, worker), the training data once per run, kept between the steps of a run so
 * that neither the network nor the data travels with every step.
 *
 * <p>Static mutable state on purpose, as {@link ExecutorModels}: Spark gives a task nothing that
 * outlives it inside an executor. A new run's first task drops the replicas and data of earlier
 * runs (one training run per executor at a time); an executor's exit frees the rest.
 */
final class ExecutorReplicas {
  /** A worker of a run. */
  private record Key(String runId, int rank) {}

  private static final Map<Key, Replica> REPLICAS = new ConcurrentHashMap<>();
  private static final Map<String, RunData> DATA = new ConcurrentHashMap<>();

  /**
   * Held by a worker's step when the run's workers take turns ({@link WorkerSpec#takeTurns}):
   * libtorch has one random generator per process, and the memory-efficient step opens DJL's
   * one-per-process gradient collector. Other steps run side by side, each replica on its own
   * task thread recording its own autograd graph.
   */
  static final ReentrantLock TURNS = new ReentrantLock();

  private ExecutorReplicas() {}

  /** The replica of worker {@code rank}, built (and the run's data opened) on first use. */
  static Replica get(WorkerSpec spec, int rank) {
    dropOtherRuns(spec.runId());
    RunData data = DATA.computeIfAbsent(spec.runId(), id -> RunData.open(spec.config()));
    return REPLICAS.computeIfAbsent(new Key(spec.runId(), rank), k -> new Replica(spec, data));
  }

  /**
   * Makes {@code data} run {@code runId}'s data in this JVM. Embedded, the executor is the driver's
   * JVM: its workers read the driver's copy instead of opening a second one (a Parquet table's
   * bytes would be held twice).
   */
  static void share(String runId, RunData data) {
    dropOtherRuns(runId);
    DATA.put(runId, data);
  }

  /** Drops a replica whose step failed half-way (its gradients may hold part of a step). */
  static void evict(WorkerSpec spec, int rank) {
    Replica r = REPLICAS.remove(new Key(spec.runId(), rank));
    if (r != null) {
      r.close();
    }
  }

  /** Frees everything of run {@code runId} held in this JVM. */
  static synchronized void release(String runId) {
    DATA.remove(runId);
    REPLICAS.keySet().removeIf(
        k -> {
          if (!k.runId().equals(runId)) {
            return false;
          }
          Replica r = REPLICAS.get(k);
          if (r != null) {
            r.close();
          }
          return true;
        });
  }

  private static synchronized void dropOtherRuns(String runId) {
    for (String other : DATA.keySet()) {
      if (!other.equals(runId)) {
        release(other);
      }
    }
    for (Key k : REPLICAS.keySet()) {
      if (!k.runId().equals(runId)) {
        release(k.runId());
      }
    }
  }
}
