package io.densefractal.spark;

import com.google.gson.Gson;
import io.densefractal.train.TrainConfig;
import java.io.Serializable;

/**
 * What every worker of one run needs to build its replica and data: shipped with each step's
 * tasks (a few hundred bytes), it names the run so that executors keep replicas between steps.
 *
 * @param runId unique per run (start or resume) of the driver
 * @param configJson the run's {@link TrainConfig} (records are not serializable: JSON instead)
 * @param factory builds the replica's network
 * @param workers how many workers share each global batch
 * @param threads intra-op threads of each worker's step
 * @param takeTurns workers sharing a JVM step one after another (their network draws random
 *     numbers, or trains memory-efficiently), else side by side
 * @param faults injected faults (tests), or {@link WorkerFaults#NONE}
 */
record WorkerSpec(
    String runId,
    String configJson,
    ModelFactory factory,
    int workers,
    int threads,
    boolean takeTurns,
    WorkerFaults faults)
    implements Serializable {
  private static final Gson GSON = new Gson();

  static String toJson(TrainConfig config) {
    return GSON.toJson(config);
  }

  TrainConfig config() {
    return GSON.fromJson(configJson, TrainConfig.class);
  }
}
