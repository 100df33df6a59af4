package io.densefractal.models.resnet;

import io.densefractal.models.ConfigException;
import io.densefractal.models.resnet.ResNetConfig.BlockType;
import io.densefractal.models.resnet.ResNetConfig.Shortcut;
import io.densefractal.models.resnet.ResNetConfig.Stem;
import java.util.List;

/** The named ResNet configurations: torchvision's ImageNet models and He et al.'s CIFAR models. */
public final class ResNets {
  private ResNets() {}

  /** torchvision's ResNet with BasicBlock (resnet18/34). */
  public static ResNetConfig.Builder basic(Integer... layers) {
    return ResNetConfig.builder().block(BlockType.BASIC).layers(layers);
  }

  /** torchvision's ResNet with Bottleneck (resnet50/101/152, ResNeXt, Wide ResNet). */
  public static ResNetConfig.Builder bottleneck(int groups, int widthPerGroup, Integer... layers) {
    return ResNetConfig.builder()
        .block(BlockType.BOTTLENECK)
        .groups(groups)
        .widthPerGroup(widthPerGroup)
        .layers(layers);
  }

  /**
   * He et al. (2016), section 4.2: depth 6n+2, three stages of n basic blocks with 16/32/64
   * channels, 3×3 stem, option-A shortcuts, 10 classes by default.
   */
  public static ResNetConfig.Builder cifar(int depth) {
    if (depth < 8 || (depth - 2) % 6 != 0) {
      throw new ConfigException(
          "a CIFAR ResNet has depth 6n+2 (20, 32, 44, 56, 110, 1202, ...), got " + depth);
    }
    int n = (depth - 2) / 6;
    return ResNetConfig.builder()
        .block(BlockType.BASIC)
        .layers(n, n, n)
        .stageWidths(List.of(16, 32, 64))
        .stem(Stem.CIFAR)
        .shortcut(Shortcut.ZERO_PAD)
        .numClasses(10);
  }
}
