package io.densefractal.models.resnet;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.densefractal.models.Layers;

/**
 * ResNet v1.5 bottleneck: 1×1 reduce → 3×3 (stride, groups) → 1×1 expand ×4, plus the shortcut. The
 * stride on the 3×3 (not the first 1×1, as in the v1 paper and DJL's ResNetV1) is torchvision's.
 * ResNeXt and Wide ResNet only change the middle width: int(planes · widthPerGroup / 64) · groups.
 */
public final class Bottleneck extends ResidualBlock {
  private final Block[] branch;

  Bottleneck(
      int planes,
      int stride,
      int groups,
      int widthPerGroup,
      Block shortcut,
      boolean zeroInitResidual) {
    int width = (int) (planes * (widthPerGroup / 64.0)) * groups;
    int outChannels = planes * ResNetConfig.BlockType.BOTTLENECK.expansion();
    Block conv1 = module("conv1", Layers.conv(width, 1, 1, 0, 1));
    Block bn1 = module("bn1", Layers.batchNorm());
    Block conv2 = module("conv2", Layers.conv(width, 3, stride, 1, groups));
    Block bn2 = module("bn2", Layers.batchNorm());
    Block conv3 = module("conv3", Layers.conv(outChannels, 1, 1, 0, 1));
    Block bn3 = module("bn3", Layers.batchNorm());
    if (zeroInitResidual) {
      bn3.setInitializer(Initializer.ZEROS, Parameter.Type.GAMMA);
    }
    branch = new Block[] {conv1, bn1, conv2, bn2, conv3, bn3};
    shortcut(shortcut);
  }

  @Override
  protected Block[] branch() {
    return branch;
  }
}
