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
 * ResNet's basic block: out = ReLU(BN(conv3×3(ReLU(BN(conv3×3(x))))) + shortcut(x)). The stride sits
 * on the first 3×3, as in torchvision.
 */
public final class BasicBlock extends TorchModule {
  private final Block conv1;
  private final Block bn1;
  private final Block conv2;
  private final Block bn2;
  private final Block shortcut;

  /**
   * @param shortcut the block on the identity path where shape changes ({@code downsample} or a
   *     zero-padding shortcut), or null for a plain identity
   */
  BasicBlock(int planes, int stride, Block shortcut, boolean zeroInitResidual) {
    conv1 = module("conv1", Layers.conv(planes, 3, stride, 1, 1));
    bn1 = module("bn1", Layers.batchNorm());
    conv2 = module("conv2", Layers.conv(planes, 3, 1, 1, 1));
    bn2 = module("bn2", Layers.batchNorm());
    if (zeroInitResidual) {
      bn2.setInitializer(Initializer.ZEROS, Parameter.Type.GAMMA);
    }
    this.shortcut = shortcut == null ? null : module(Shortcuts.attributeName(shortcut), shortcut);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray out = Activation.relu(call(bn1, ps, call(conv1, ps, x, training), training));
    out = call(bn2, ps, call(conv2, ps, out, training), training);
    NDArray identity = shortcut == null ? x : call(shortcut, ps, x, training);
    return new NDList(Activation.relu(out.add(identity)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, conv1, bn1, conv2, bn2);
    if (shortcut != null) {
      shortcut.initialize(manager, dataType, inputs);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, conv1, bn1, conv2, bn2);
  }
}
