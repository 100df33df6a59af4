package io.densefractal.models.resnet;

import io.densefractal.models.ConfigException;
import java.util.List;

/**
 * Everything that defines a ResNet/ResNeXt: torchvision's {@code ResNet(block, layers, groups,
 * width_per_group)} for ImageNet, and He et al. (2016)'s CIFAR networks (3×3 stem, 16/32/64
 * channels, option-A zero-padding shortcuts).
 *
 * @param block residual block kind (BasicBlock: two 3×3; Bottleneck: 1×1, 3×3, 1×1 with expansion
 *     4)
 * @param layers blocks per stage
 * @param stageWidths "planes" of each stage (64,128,256,512 on ImageNet; 16,32,64 on CIFAR)
 * @param stem ImageNet (7×7/2 conv + 3×3/2 max-pool) or CIFAR (3×3/1 conv)
 * @param shortcut how a block changes width/resolution on its identity path
 * @param groups ResNeXt cardinality (Bottleneck only)
 * @param widthPerGroup ResNeXt bottleneck width per group; 128 for Wide ResNet-50-2
 * @param numClasses classifier outputs
 * @param inChannels image channels
 * @param zeroInitResidual start each residual branch's last BatchNorm at γ = 0 (Goyal et al.)
 * @param includeTop false returns the last feature map, not pooled, without the classifier
 */
public record ResNetConfig(
    BlockType block,
    List<Integer> layers,
    List<Integer> stageWidths,
    Stem stem,
    Shortcut shortcut,
    int groups,
    int widthPerGroup,
    int numClasses,
    int inChannels,
    boolean zeroInitResidual,
    boolean includeTop) {

  /** Residual block kinds and their channel expansion. */
  public enum BlockType {
    BASIC(1),
    BOTTLENECK(4);

    private final int expansion;

    BlockType(int expansion) {
      this.expansion = expansion;
    }

    public int expansion() {
      return expansion;
    }
  }

  /** Input stems. */
  public enum Stem {
    IMAGENET,
    CIFAR
  }

  /** Shortcuts where a block changes width or resolution. */
  public enum Shortcut {
    /** Option B: 1×1 strided convolution + BatchNorm (torchvision's {@code downsample}). */
    PROJECTION,
    /** Option A: strided subsampling and zero channels, parameter-free (He et al. 2016, CIFAR). */
    ZERO_PAD
  }

  public ResNetConfig {
    layers = List.copyOf(layers);
    stageWidths = List.copyOf(stageWidths);
    if (layers.isEmpty()) {
      throw new ConfigException("a ResNet needs at least one stage (layers is empty)");
    }
    if (layers.size() != stageWidths.size()) {
      throw new ConfigException(
          "layers " + layers + " and stageWidths " + stageWidths + " must have the same length");
    }
    for (int n : layers) {
      if (n < 1) {
        throw new ConfigException("every stage needs at least one block, got layers " + layers);
      }
    }
    for (int w : stageWidths) {
      if (w < 1) {
        throw new ConfigException("stage widths must be positive, got " + stageWidths);
      }
    }
    if (groups < 1 || widthPerGroup < 1) {
      throw new ConfigException(
          "groups and widthPerGroup must be >= 1, got " + groups + " and " + widthPerGroup);
    }
    if (block == BlockType.BASIC && (groups != 1 || widthPerGroup != 64)) {
      throw new ConfigException(
          "BasicBlock only supports groups=1 and widthPerGroup=64 (as torchvision);"
              + " use the Bottleneck block for ResNeXt / Wide ResNet");
    }
    if (shortcut == Shortcut.ZERO_PAD && block != BlockType.BASIC) {
      throw new ConfigException("zero-padding (option A) shortcuts need BasicBlock");
    }
    if (shortcut == Shortcut.ZERO_PAD) {
      int in = stem == Stem.IMAGENET ? 64 : stageWidths.get(0);
      for (int w : stageWidths) {
        if (w < in) {
          throw new ConfigException(
              "zero-padding (option A) shortcuts can only widen: stage widths "
                  + stageWidths
                  + " shrink; use PROJECTION shortcuts");
        }
        in = w;
      }
    }
    if (numClasses < 1) {
      throw new ConfigException("numClasses must be >= 1, got " + numClasses);
    }
    if (inChannels < 1) {
      throw new ConfigException("inChannels must be >= 1, got " + inChannels);
    }
  }

  /** Channels of the stem's output, i.e. the first stage's input. */
  public int stemWidth() {
    return stem == Stem.IMAGENET ? 64 : stageWidths.get(0);
  }

  /** Channels of the last feature map. */
  public int featureChannels() {
    return stageWidths.get(stageWidths.size() - 1) * block.expansion();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration, to derive variants. */
  public Builder toBuilder() {
    return new Builder()
        .block(block)
        .layers(layers)
        .stageWidths(stageWidths)
        .stem(stem)
        .shortcut(shortcut)
        .groups(groups)
        .widthPerGroup(widthPerGroup)
        .numClasses(numClasses)
        .inChannels(inChannels)
        .zeroInitResidual(zeroInitResidual)
        .includeTop(includeTop);
  }

  /** Builder; defaults are torchvision's ResNet-50 for ImageNet. */
  public static final class Builder {
    private BlockType block = BlockType.BOTTLENECK;
    private List<Integer> layers = List.of(3, 4, 6, 3);
    private List<Integer> stageWidths = List.of(64, 128, 256, 512);
    private Stem stem = Stem.IMAGENET;
    private Shortcut shortcut = Shortcut.PROJECTION;
    private int groups = 1;
    private int widthPerGroup = 64;
    private int numClasses = 1000;
    private int inChannels = 3;
    private boolean zeroInitResidual;
    private boolean includeTop = true;

    public Builder block(BlockType v) {
      block = v;
      return this;
    }

    public Builder layers(List<Integer> v) {
      layers = v;
      return this;
    }

    public Builder layers(Integer... v) {
      return layers(List.of(v));
    }

    public Builder stageWidths(List<Integer> v) {
      stageWidths = v;
      return this;
    }

    public Builder stem(Stem v) {
      stem = v;
      return this;
    }

    public Builder shortcut(Shortcut v) {
      shortcut = v;
      return this;
    }

    public Builder groups(int v) {
      groups = v;
      return this;
    }

    public Builder widthPerGroup(int v) {
      widthPerGroup = v;
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

    public Builder zeroInitResidual(boolean v) {
      zeroInitResidual = v;
      return this;
    }

    public Builder includeTop(boolean v) {
      includeTop = v;
      return this;
    }

    public ResNetConfig build() {
      return new ResNetConfig(
          block,
          layers,
          stageWidths,
          stem,
          shortcut,
          groups,
          widthPerGroup,
          numClasses,
          inChannels,
          zeroInitResidual,
          includeTop);
    }
  }
}
