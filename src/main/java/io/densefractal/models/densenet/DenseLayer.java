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
import io.densefractal.recompute.BatchStatistics;
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
    NDArray out = firstUnit(ps, features, training);
    return new NDList(conv2 == null ? out : secondUnit(ps, out, training));
  }

  /** Whether the layer has a bottleneck, i.e. two BN-ReLU-conv units. */
  boolean hasBottleneck() {
    return conv2 != null;
  }

  /** Concatenation, then the first BN-ReLU-conv unit. */
  NDArray firstUnit(ParameterStore ps, NDList features, boolean training) {
    return convUnit(norm1, conv1, ps, joined(features), training);
  }

  /**
   * The whole layer in training mode, for a pass that records no graph, with the batch statistics
   * of the concatenated features given instead of computed by norm1 (whose running statistics this
   * leaves untouched). Bit for bit what {@link #forward} computes (see {@link BatchStatistics}).
   */
  NDArray forward(ParameterStore ps, NDList features, BatchStatistics statistics) {
    NDArray out = afterNorm(conv1, ps, statistics.normalize(ps, norm1, joined(features)), true);
    return conv2 == null ? out : secondUnit(ps, out, true);
  }

  /** The features concatenated along channels (a single map as it is). */
  private static NDArray joined(NDList features) {
    return features.size() == 1 ? features.head() : NDArrays.concat(features, 1);
  }

  /** The BatchNorm over the concatenated features (whose statistics {@link #forward} can take). */
  Block inputNorm() {
    return norm1;
  }

  /** The bottleneck's second BN-ReLU-conv unit. */
  NDArray secondUnit(ParameterStore ps, NDArray bottleneck, boolean training) {
    return convUnit(norm2, conv2, ps, bottleneck, training);
  }

  private NDArray convUnit(Block norm, Block conv, ParameterStore ps, NDArray x, boolean training) {
    return afterNorm(conv, ps, call(norm, ps, x, training), training);
  }

  /** ReLU, the convolution and dropout: the rest of a unit after its BatchNorm. */
  private NDArray afterNorm(Block conv, ParameterStore ps, NDArray normalized, boolean training) {
    NDArray out = call(conv, ps, Activation.relu(normalized), training);
    return dropRate > 0 ? Dropout.dropout(out, dropRate, training).singletonOrThrow() : out;
  }

  /** The concatenation of {@code inputs} along channels. */
  static Shape concatenated(Shape[] inputs) {
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
