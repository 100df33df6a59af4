package io.densefractal.models.resnet;

import ai.djl.nn.Block;

/** The shortcut a residual block needs when its output differs in width or resolution. */
final class Shortcuts {
  private Shortcuts() {}

  /**
   * The shortcut for a block mapping {@code inChannels} to {@code outChannels}, or null (identity).
   */
  static Block forBlock(ResNetConfig.Shortcut kind, int inChannels, int outChannels, int stride) {
    if (stride == 1 && inChannels == outChannels) {
      return null;
    }
    return switch (kind) {
        // torchvision: downsample = Sequential(conv1x1(stride), BatchNorm) -> keys downsample.0/1.
      case PROJECTION -> new Projection(outChannels, stride);
      case ZERO_PAD -> new ZeroPadShortcut(outChannels, stride);
    };
  }

  /** The attribute name torch code uses for this shortcut (it determines state-dict keys). */
  static String attributeName(Block shortcut) {
    return shortcut instanceof ZeroPadShortcut ? "shortcut" : "downsample";
  }
}
