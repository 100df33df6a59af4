package io.densefractal.models.densenet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.Scoped;
import io.densefractal.models.TorchModule;
import java.util.ArrayList;
import java.util.List;

/**
 * A dense block: layer l sees [x_0, …, x_{l−1}] and adds k channels; the block returns all of them
 * concatenated (input channels + layers · k). Every feature map must stay alive until the block
 * ends — DenseNet's memory cost.
 */
public final class DenseBlock extends TorchModule {
  private final List<DenseLayer> layers = new ArrayList<>();

  DenseBlock(int numLayers, int growthRate, int bottleneckWidth, double dropRate) {
    for (int i = 1; i <= numLayers; i++) {
      layers.add(module("denselayer" + i, new DenseLayer(growthRate, bottleneckWidth, dropRate)));
    }
  }

  /** The layers, in order. */
  public List<DenseLayer> layers() {
    return List.copyOf(layers);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList features = new NDList(inputs.singletonOrThrow());
    for (DenseLayer layer : layers) {
      features.add(Scoped.forward(layer, ps, features, training, params).singletonOrThrow());
    }
    NDArray out = NDArrays.concat(features, 1);
    return new NDList(out);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    Shape in = inputs[0];
    for (DenseLayer layer : layers) {
      layer.initialize(manager, dataType, in);
      long added = layer.getOutputShapes(new Shape[] {in})[0].get(1);
      in = new Shape(in.get(0), in.get(1) + added, in.get(2), in.get(3));
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape in = inputs[0];
    for (DenseLayer layer : layers) {
      long added = layer.getOutputShapes(new Shape[] {in})[0].get(1);
      in = new Shape(in.get(0), in.get(1) + added, in.get(2), in.get(3));
    }
    return new Shape[] {in};
  }
}
