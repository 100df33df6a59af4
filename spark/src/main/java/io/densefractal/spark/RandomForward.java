package io.densefractal.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Whether a network's training-mode forward draws from the engine's random generator (dropout,
 * drop-path): two forwards of the same batch under different seeds differ exactly when it does.
 * libtorch has one generator per process, so replicas of such a network that step side by side in
 * one JVM would interleave their draws and no step would be reproducible: those take turns.
 */
final class RandomForward {
  private RandomForward() {}

  /**
   * Probes {@code block} with a batch of two images of {@code oneImage}'s shape; the BatchNorm
   * running statistics the two forwards move are put back from {@code flat}.
   */
  static boolean draws(
      Block block, ParameterStore ps, NDManager root, Shape oneImage, FlatParameters flat) {
    float[] buffers = flat.bufferValues();
    try (NDManager scope = root.newSubManager()) {
      Shape two = new Shape(2).addAll(oneImage.slice(1));
      Engine engine = Engine.getInstance();
      engine.setRandomSeed(0);
      NDArray x = scope.randomUniform(-1f, 1f, two);
      engine.setRandomSeed(1);
      NDArray a = block.forward(ps, new NDList(x), true).singletonOrThrow();
      engine.setRandomSeed(2);
      NDArray b = block.forward(ps, new NDList(x), true).singletonOrThrow();
      return !a.contentEquals(b);
    } finally {
      flat.setBuffers(buffers);
    }
  }
}
