package io.densefractal.models;

import ai.djl.nn.Block;

/**
 * A network whose training-mode forward pass does more than normalise with BatchNorm's batch
 * statistics — dropout, drop-path — and that can build its twin without that regularisation: the
 * twin's training-mode forward differs from inference only in BatchNorm. Used to re-estimate the
 * running statistics of the network that inference runs ({@code train.BatchNormRecalibration}).
 */
public interface RegularizedNetwork {
  /** A new, uninitialised network of the same structure and keys, without regularisation. */
  Block withoutRegularization();
}
