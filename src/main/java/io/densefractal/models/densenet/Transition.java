package io.densefractal.models.densenet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.Layers;
import io.densefractal.models.TorchModule;

/** Between dense blocks: BN, ReLU, 1×1 conv to ⌊θ·m⌋ channels, 2×2 average pooling. */
public final class Transition extends TorchModule {
  private final Block norm;
  private final Block conv;
  private final Block pool;

  Transition(int outChannels) {
    norm = module("norm", Layers.batchNorm());
    conv = module("conv", Layers.fanIn(Layers.conv(outChannels, 1, 1, 0, 1)));
    pool = module("pool", Pool.avgPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray normalized = call(norm, ps, inputs.singletonOrThrow(), training);
    return new NDList(afterInputNorm(ps, normalized, training));
  }

  /** The BatchNorm over the input, the transition's first operation. */
  public Block inputNorm() {
    return norm;
  }

  /** Everything after {@link #inputNorm}, given its output: ReLU, 1×1 conv, pooling. */
  public NDArray afterInputNorm(ParameterStore ps, NDArray normalized, boolean training) {
    NDArray x = Activation.relu(normalized);
    return call(pool, ps, call(conv, ps, x, training), training);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, norm, conv, pool);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, norm, conv, pool);
  }
}
