package io.densefractal.models.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * He et al. (2016) option A: the identity path subsamples by the stride and pads the new channels
 * with zeros, so the shortcut has no parameters (CIFAR ResNets: 0.27 M parameters for ResNet-20).
 */
public final class ZeroPadShortcut extends AbstractBlock {
  private final int outChannels;
  private final int stride;

  ZeroPadShortcut(int outChannels, int stride) {
    this.outChannels = outChannels;
    this.stride = stride;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (stride > 1) {
      x = x.get(":, :, ::{}, ::{}", stride, stride);
    }
    long extra = outChannels - x.getShape().get(1);
    if (extra > 0) {
      long before = extra / 2;
      // F.pad order: last dim first, so (W, W, H, H, C, C).
      x = x.pad(new Shape(0, 0, 0, 0, before, extra - before), 0);
    }
    return new NDList(x);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape s = inputs[0];
    return new Shape[] {
      new Shape(
          s.get(0), outChannels, (s.get(2) + stride - 1) / stride, (s.get(3) + stride - 1) / stride)
    };
  }
}
