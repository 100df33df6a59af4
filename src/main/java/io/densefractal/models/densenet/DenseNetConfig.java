package io.densefractal.models.densenet;

import io.densefractal.models.ConfigException;
import java.util.List;

/**
 * Everything that defines a DenseNet (Huang et al. 2017): x_l = H_l([x_0, …, x_{l−1}]) inside dense
 * blocks, blocks joined by transitions (BN, ReLU, 1×1 conv to ⌊θ·m⌋ channels, 2×2 average pool).
 *
 * @param growthRate k: channels each layer adds
 * @param blocks layers per dense block
 * @param initFeatures channels of the stem convolution
 * @param bottleneckWidth 1×1 bottleneck width as a multiple of k (4 in DenseNet-B/BC and
 *     torchvision), or 0 for plain layers (BN-ReLU-3×3 conv)
 * @param compression θ of the transitions (0.5 for -BC and torchvision, 1 for plain DenseNet)
 * @param dropRate dropout after each convolution of a dense layer, in training only (0 = none)
 * @param stem ImageNet (7×7/2 conv, BN, ReLU, 3×3/2 max-pool) or CIFAR (one 3×3 conv)
 * @param numClasses classifier outputs
 * @param inChannels image channels
 */
public record DenseNetConfig(
    int growthRate,
    List<Integer> blocks,
    int initFeatures,
    int bottleneckWidth,
    double compression,
    double dropRate,
    Stem stem,
    int numClasses,
    int inChannels) {

  /** Input stems. */
  public enum Stem {
    IMAGENET,
    CIFAR
  }

  public DenseNetConfig {
    blocks = List.copyOf(blocks);
    if (growthRate < 1) {
      throw new ConfigException("growth rate k must be >= 1, got " + growthRate);
    }
    if (blocks.isEmpty() || blocks.stream().anyMatch(n -> n < 1)) {
      throw new ConfigException("every dense block needs at least one layer, got " + blocks);
    }
    if (initFeatures < 1) {
      throw new ConfigException("initFeatures must be >= 1, got " + initFeatures);
    }
    if (bottleneckWidth < 0) {
      throw new ConfigException(
          "bottleneckWidth must be >= 0 (0 = no bottleneck), got " + bottleneckWidth);
    }
    if (!(compression > 0 && compression <= 1)) {
      throw new ConfigException("compression θ must be in (0, 1], got " + compression);
    }
    if (!(dropRate >= 0 && dropRate < 1)) {
      throw new ConfigException("dropRate must be in [0, 1), got " + dropRate);
    }
    if (numClasses < 1 || inChannels < 1) {
      throw new ConfigException(
          "numClasses and inChannels must be >= 1, got " + numClasses + " and " + inChannels);
    }
  }

  public boolean bottleneck() {
    return bottleneckWidth > 0;
  }

  /** Channels after a transition fed with {@code channels}: ⌊θ·m⌋, at least 1. */
  public int compressed(int channels) {
    return Math.max(1, (int) Math.floor(compression * channels));
  }

  public Builder toBuilder() {
    return new Builder()
        .growthRate(growthRate)
        .blocks(blocks)
        .initFeatures(initFeatures)
        .bottleneckWidth(bottleneckWidth)
        .compression(compression)
        .dropRate(dropRate)
        .stem(stem)
        .numClasses(numClasses)
        .inChannels(inChannels);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builder; defaults are torchvision's densenet121. */
  public static final class Builder {
    private int growthRate = 32;
    private List<Integer> blocks = List.of(6, 12, 24, 16);
    private int initFeatures = 64;
    private int bottleneckWidth = 4;
    private double compression = 0.5;
    private double dropRate;
    private Stem stem = Stem.IMAGENET;
    private int numClasses = 1000;
    private int inChannels = 3;

    public Builder growthRate(int v) {
      growthRate = v;
      return this;
    }

    public Builder blocks(List<Integer> v) {
      blocks = v;
      return this;
    }

    public Builder initFeatures(int v) {
      initFeatures = v;
      return this;
    }

    public Builder bottleneckWidth(int v) {
      bottleneckWidth = v;
      return this;
    }

    public Builder compression(double v) {
      compression = v;
      return this;
    }

    public Builder dropRate(double v) {
      dropRate = v;
      return this;
    }

    public Builder stem(Stem v) {
      stem = v;
      return this;
    }

    public Builder numClasses(int v) {
      numClasses = v;
      return this;
    }

    public Builder inChannels(int v) {
      inChannels = v;
      return this;
    }

    public DenseNetConfig build() {
      return new DenseNetConfig(
          growthRate,
          blocks,
          initFeatures,
          bottleneckWidth,
          compression,
          dropRate,
          stem,
          numClasses,
          inChannels);
    }
  }
}
