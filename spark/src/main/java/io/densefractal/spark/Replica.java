package io.densefractal.spark;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.train.RunData;
import io.densefractal.train.TrainConfig;

/**
 * One worker's copy of the network on an executor: built once, then given the driver's weights at
 * the start of every step. It holds no state of its own that outlives a step (the weights come from
 * the broadcast, the gradients go back), so a replica lost with its executor is simply built again
 * elsewhere and computes the same step.
 */
final class Replica implements AutoCloseable {
  final TrainConfig config;
  final RunData data;
  final Block block;
  final NDManager manager;
  final ParameterStore parameters;
  final FlatParameters flat;

  Replica(WorkerSpec spec, RunData data) {
    this.config = spec.config();
    this.data = data;
    this.block = spec.factory().create(config, data.modelOptions());
    this.manager = NDManager.newBaseManager();
    try {
      block.initialize(manager, DataType.FLOAT32, data.oneImage());
      this.parameters = new ParameterStore(manager, false);
      this.flat = new FlatParameters(block);
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Makes the replica hold {@code weights} and returns the checksum of what it holds, read back
   * from the engine. Every step loads: the previous step's forward moved the BatchNorm statistics.
   */
  long load(WeightsPayload weights) {
    flat.setValues(weights.values());
    return FlatParameters.checksum(flat.values());
  }

  @Override
  public void close() {
    manager.close();
  }
}
