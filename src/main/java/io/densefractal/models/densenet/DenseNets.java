package io.densefractal.models.densenet;

import io.densefractal.models.ConfigException;
import java.util.List;

/** The named DenseNet configurations: torchvision's ImageNet models and the paper's CIFAR ones. */
public final class DenseNets {
  private DenseNets() {}

  /** torchvision's {@code DenseNet(growth_rate, block_config, num_init_features)}, bn_size 4. */
  public static DenseNetConfig.Builder imagenet(
      int growthRate, int initFeatures, Integer... blocks) {
    return DenseNetConfig.builder()
        .growthRate(growthRate)
        .initFeatures(initFeatures)
        .blocks(List.of(blocks));
  }

  /**
   * Huang et al. (2017), Table 2: three dense blocks of equal size on 32×32 input. Plain DenseNet
   * ((depth − 4) / 3 layers per block, 16 stem channels, θ = 1) or DenseNet-BC ((depth − 4) / 6
   * bottleneck layers per block, 2k stem channels, θ = 0.5).
   */
  public static DenseNetConfig.Builder cifar(int depth, int growthRate, boolean bc) {
    int perLayer = bc ? 2 : 1;
    if (depth < 4 + 3 * perLayer || (depth - 4) % (3 * perLayer) != 0) {
      throw new ConfigException(
          String.format(
              "a CIFAR DenseNet%s has depth %s (e.g. %s), got %d",
              bc ? "-BC" : "", bc ? "6n+4" : "3n+4", bc ? "100, 190, 250" : "40, 100", depth));
    }
    int n = (depth - 4) / (3 * perLayer);
    return DenseNetConfig.builder()
        .growthRate(growthRate)
        .blocks(List.of(n, n, n))
        .initFeatures(bc ? 2 * growthRate : 16)
        .bottleneckWidth(bc ? 4 : 0)
        .compression(bc ? 0.5 : 1.0)
        .stem(DenseNetConfig.Stem.CIFAR)
        .numClasses(10);
  }
}
