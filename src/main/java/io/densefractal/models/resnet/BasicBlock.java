package io.densefractal.models.resnet;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.densefractal.models.Layers;

/**
 * ResNet's basic block: out = ReLU(BN(conv3×3(ReLU(BN(conv3×3(x))))) + shortcut(x)). The stride
 * sits on the first 3×3, as in torchvision.
 */
public final class BasicBlock extends ResidualBlock {
  private final Block[] branch;

  /**
   * @param shortcut the block on the identity path where shape changes ({@code downsample} or a
   *     zero-padding shortcut), or null for a plain identity
   */
  BasicBlock(int planes, int stride, Block shortcut, boolean zeroInitResidual) {
    Block conv1 = module("conv1", Layers.conv(planes, 3, stride, 1, 1));
    Block bn1 = module("bn1", Layers.batchNorm());
    Block conv2 = module("conv2", Layers.conv(planes, 3, 1, 1, 1));
    Block bn2 = module("bn2", Layers.batchNorm());
    if (zeroInitResidual) {
      bn2.setInitializer(Initializer.ZEROS, Parameter.Type.GAMMA);
    }
    branch = new Block[] {conv1, bn1, conv2, bn2};
    shortcut(shortcut);
  }

  @Override
  protected Block[] branch() {
    return branch;
  }
}
