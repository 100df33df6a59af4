package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;

/**
 * A convolution followed by a BatchNorm (ResNet's building pair). For inference the pair can be
 * folded into one convolution with bias: W' = W · γ/√(σ² + ε), b' = β − μ · γ/√(σ² + ε), which
 * saves the BatchNorm pass. Training always runs the two layers, and unfolds first, since the
 * parameters are about to change.
 */
public final class ConvBn {
  private final Conv2d conv;
  private final Block bn;
  private NDArray foldedWeight;
  private NDArray foldedBias;

  public ConvBn(Block conv, Block bn) {
    this.conv = (Conv2d) conv;
    this.bn = bn;
  }

  public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
    if (training) {
      unfold();
    } else if (foldedWeight != null) {
      return Conv2d.conv2d(
              x,
              foldedWeight,
              foldedBias,
              conv.getStride(),
              conv.getPadding(),
              conv.getDilation(),
              conv.getGroups())
          .singletonOrThrow();
    }
    NDArray y = conv.forward(ps, new NDList(x), training).singletonOrThrow();
    NDArray out = bn.forward(ps, new NDList(y), training).singletonOrThrow();
    y.close(); // only BatchNorm read it (and autograd keeps its own reference)
    return out;
  }

  /** Computes the folded convolution from the current parameters (after loading weights). */
  public void fold() {
    unfold();
    NDArray w = conv.getParameters().get("weight").getArray();
    NDArray gamma = param("gamma");
    NDArray scale = gamma.div(param("runningVar").add(Layers.BATCH_NORM_EPSILON).sqrt());
    foldedWeight = w.mul(scale.reshape(-1, 1, 1, 1));
    foldedBias = param("beta").sub(param("runningMean").mul(scale));
    scale.close();
  }

  /** Back to the two separate layers. */
  public void unfold() {
    if (foldedWeight != null) {
      foldedWeight.close();
      foldedBias.close();
      foldedWeight = null;
      foldedBias = null;
    }
  }

  private NDArray param(String name) {
    Parameter p = bn.getParameters().get(name);
    return p.getArray();
  }
}
