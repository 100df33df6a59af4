package io.densefractal.models.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import io.densefractal.models.Layers;
import io.densefractal.models.TorchModule;

/**
 * ResNet v1.5 bottleneck: 1×1 reduce → 3×3 (stride, groups) → 1×1 expand ×4, plus the shortcut. The
 * stride on the 3×3 (not the first 1×1, as in the v1 paper and DJL's ResNetV1) is torchvision's.
 * ResNeXt and Wide ResNet only change the middle width: int(planes · widthPerGroup / 64) · groups.
 */
public final class Bottleneck extends TorchModule {
  private final Block conv1;
  private final Block bn1;
  private final Block conv2;
  private final Block bn2;
  private final Block conv3;
  private final Block bn3;
  private final Block shortcut;

  Bottleneck(
      int planes,
      int stride,
      int groups,
      int widthPerGroup,
      Block shortcut,
      boolean zeroInitResidual) {
    int width = (int) (planes * (widthPerGroup / 64.0)) * groups;
    conv1 = module("conv1", Layers.conv(width, 1, 1, 0, 1));
    bn1 = module("bn1", Layers.batchNorm());
    conv2 = module("conv2", Layers.conv(width, 3, stride, 1, groups));
    bn2 = module("bn2", Layers.batchNorm());
    conv3 = module("conv3", Layers.conv(planes * ResNetConfig.BlockType.BOTTLENECK.expansion(), 1, 1, 0, 1));
    bn3 = module("bn3", Layers.batchNorm());
    if (zeroInitResidual) {
      bn3.setInitializer(Initializer.ZEROS, Parameter.Type.GAMMA);
    }
    this.shortcut = shortcut == null ? null : module(Shortcuts.attributeName(shortcut), shortcut);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray out = Activation.relu(call(bn1, ps, call(conv1, ps, x, training), training));
    out = Activation.relu(call(bn2, ps, call(conv2, ps, out, training), training));
    out = call(bn3, ps, call(conv3, ps, out, training), training);
    NDArray identity = shortcut == null ? x : call(shortcut, ps, x, training);
    return new NDList(Activation.relu(out.add(identity)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, conv1, bn1, conv2, bn2, conv3, bn3);
    if (shortcut != null) {
      shortcut.initialize(manager, dataType, inputs);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, conv1, bn1, conv2, bn2, conv3, bn3);
  }
}
