package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.ConvBn;
import io.densefractal.models.Layers;
import io.densefractal.models.TorchModule;

/**
 * FractalNet's conv unit: k×k conv → dropout (training) → BatchNorm → ReLU, as the authors' code.
 * Dropout is the identity at inference, so there the conv and BatchNorm fold into one conv.
 */
public final class ConvUnit extends TorchModule {
  private final Block conv;
  private final Block bn;
  private final ConvBn pair;
  private final float dropRate;

  ConvUnit(int outChannels, int kernel, double dropRate) {
    this.dropRate = (float) dropRate;
    conv = module("conv", Layers.conv(outChannels, kernel, 1, kernel / 2, 1));
    bn = module("bn", Layers.batchNorm());
    pair = new ConvBn(conv, bn);
  }

  /** Folds the conv + BatchNorm pair for inference (see {@link ConvBn}). */
  void foldBatchNorm() {
    pair.fold();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    // Intermediates are closed as soon as they are consumed (autograd keeps what backward needs):
    // a fractal block holds many units' outputs until its last join, so this is its peak memory.
    NDArray input = inputs.singletonOrThrow();
    NDArray y;
    if (training && dropRate > 0) {
      pair.unfold(); // the parameters are about to change
      NDArray x = call(conv, ps, input, true);
      x = release(x, input, Dropout.dropout(x, dropRate, true).singletonOrThrow());
      y = release(x, input, call(bn, ps, x, true));
    } else {
      y = pair.forward(ps, input, training);
    }
    return new NDList(release(y, input, Activation.relu(y)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, conv, bn);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, conv, bn);
  }
}
