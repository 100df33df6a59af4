package io.densefractal.models.resnet;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.ConvBn;
import io.densefractal.models.Layers;
import io.densefractal.models.TorchModule;

/**
 * Option-B shortcut: 1×1 strided convolution + BatchNorm, torchvision's {@code downsample =
 * Sequential(conv1x1, BatchNorm)} (children "0" and "1", keys {@code downsample.0.weight}, …).
 */
public final class Projection extends TorchModule {
  private final Block conv;
  private final Block bn;
  private final ConvBn pair;

  Projection(int outChannels, int stride) {
    conv = module("0", Layers.conv(outChannels, 1, stride, 0, 1));
    bn = module("1", Layers.batchNorm());
    pair = new ConvBn(conv, bn);
  }

  void foldBatchNorm() {
    pair.fold();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(pair.forward(ps, inputs.singletonOrThrow(), training));
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
