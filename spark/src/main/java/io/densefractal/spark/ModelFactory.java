package io.densefractal.spark;

import ai.djl.nn.Block;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelZoo;
import io.densefractal.train.TrainConfig;
import java.io.Serializable;

/**
 * Builds a worker's replica of the network: shipped to executors, so it is serializable. The
 * zoo's model by default; tests give networks the zoo does not have.
 */
@FunctionalInterface
public interface ModelFactory extends Serializable {
  Block create(TrainConfig config, ModelOptions options);

  /** The zoo model the configuration names, as {@code train} builds it. */
  static ModelFactory zoo() {
    return (config, options) -> ModelZoo.get(config.model()).create(options);
  }
}
