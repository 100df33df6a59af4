package io.densefractal.models.densenet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.Layers;
import io.densefractal.models.TorchModule;

/**
 * H_l of a dense block: takes every earlier feature map, concatenates them, and returns k new
 * channels. With a bottleneck (DenseNet-B/BC, torchvision): BN-ReLU-1×1 conv (bottleneckWidth·k)
 * then BN-ReLU-3×3 conv (k); without: BN-ReLU-3×3 conv (k). Dropout, when set, follows each
 * convolution in training (the paper's placement).
 */
public final class DenseLayer extends TorchModule {
  private final Block norm1;
  private final Block conv1;
  private final Block norm2;
  private final Block conv2;
  private final float dropRate;

  DenseLayer(int growthRate, int bottleneckWidth, double dropRate) {
    this.dropRate = (float) dropRate;
    norm1 = module("norm1", Layers.batchNorm());
    if (bottleneckWidth > 0) {
      conv1 = module("conv1", Layers.fanIn(Layers.conv(bottleneckWidth * growthRate, 1, 1, 0, 1)));
      norm2 = module("norm2", Layers.batchNorm());
      conv2 = module("conv2", Layers.fanIn(Layers.conv(growthRate, 3, 1, 1, 1)));
    } else {
      conv1 = module("conv1", Layers.fanIn(Layers.conv(growthRate, 3, 1, 1, 1)));
      norm2 = null;
      conv2 = null;
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList features, boolean training, PairList<String, Object> params) {
    NDArray normalized = call(norm1, ps, joined(features), training);
    return new NDList(afterInputNorm(ps, normalized, training));
  }

  /** The BatchNorm over the concatenated features, the layer's first operation. */
  public Block inputNorm() {
    return norm1;
  }

  /** The bottleneck's second BN-ReLU-conv unit. */
  private NDArray secondUnit(ParameterStore ps, NDArray bottleneck, boolean training) {
    return afterNorm(conv2, ps, call(norm2, ps, bottleneck, training), training);
  }

  /** Everything after {@link #inputNorm}, given its output: the layer's k new channels. */
  public NDArray afterInputNorm(ParameterStore ps, NDArray normalized, boolean training) {
    NDArray out = afterNorm(conv1, ps, normalized, training);
    return conv2 == null ? out : secondUnit(ps, out, training);
  }

  /** The features concatenated along channels (a single map as it is). */
  private static NDArray joined(NDList features) {
    return features.size() == 1 ? features.head() : NDArrays.concat(features, 1);
  }

  /** ReLU, the convolution and dropout: the rest of a unit after its BatchNorm. */
  private NDArray afterNorm(Block conv, ParameterStore ps, NDArray normalized, boolean training) {
    NDArray out = call(conv, ps, Activation.relu(normalized), training);
    return dropRate > 0 ? Dropout.dropout(out, dropRate, training).singletonOrThrow() : out;
  }

  /** The concatenation of {@code inputs} along channels. */
  public static Shape concatenated(Shape[] inputs) {
    long channels = 0;
    for (Shape s : inputs) {
      channels += s.get(1);
    }
    Shape first = inputs[0];
    return new Shape(first.get(0), channels, first.get(2), first.get(3));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    Shape[] in = {concatenated(inputs)};
    if (conv2 == null) {
      initializeChain(manager, dataType, in, norm1, conv1);
    } else {
      initializeChain(manager, dataType, in, norm1, conv1, norm2, conv2);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape[] in = {concatenated(inputs)};
    return conv2 == null
        ? chainShapes(in, norm1, conv1)
        : chainShapes(in, norm1, conv1, norm2, conv2);
  }
}
