package io.densefractal.onnx;

import io.densefractal.models.resnet.ResNetConfig;

/**
 * ResNet / ResNeXt / Wide ResNet / CIFAR ResNet as ONNX nodes, following torchvision's forward: stem
 * (conv1, bn1, ReLU, max-pool on ImageNet), the stages of residual blocks, up to the last feature
 * map. The weights' keys are torchvision's ({@code layer2.0.downsample.0.weight}).
 */
final class ResNetGraph {
  private ResNetGraph() {}

  /** The last feature map (the input of global pooling) of input {@code x}. */
  static String features(OnnxGraph g, ResNetConfig config, String x) {
    boolean imagenet = config.stem() == ResNetConfig.Stem.IMAGENET;
    String y =
        g.relu(g.convBatchNorm(x, "conv1", "bn1", imagenet ? 2 : 1, imagenet ? 3 : 1, 1));
    if (imagenet) {
      y = g.maxPool(y, "maxpool", 3, 2, 1);
    }
    int inChannels = config.stemWidth();
    int expansion = config.block().expansion();
    for (int s = 0; s < config.layers().size(); s++) {
      int planes = config.stageWidths().get(s);
      for (int b = 0; b < config.layers().get(s); b++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        int outChannels = planes * expansion;
        y = block(g, config, y, "layer" + (s + 1) + "." + b, inChannels, outChannels, stride);
        inChannels = outChannels;
      }
    }
    return y;
  }

  /** out = ReLU(branch(x) + shortcut(x)): conv-BN pairs (folded into one Conv each) with ReLUs between them. */
  private static String block(
      OnnxGraph g, ResNetConfig config, String x, String key, int in, int out, int stride) {
    String y;
    if (config.block() == ResNetConfig.BlockType.BASIC) {
      y = g.relu(g.convBatchNorm(x, key + ".conv1", key + ".bn1", stride, 1, 1));
      y = g.convBatchNorm(y, key + ".conv2", key + ".bn2", 1, 1, 1);
    } else {
      y = g.relu(g.convBatchNorm(x, key + ".conv1", key + ".bn1", 1, 0, 1));
      y = g.relu(g.convBatchNorm(y, key + ".conv2", key + ".bn2", stride, 1, config.groups()));
      y = g.convBatchNorm(y, key + ".conv3", key + ".bn3", 1, 0, 1);
    }
    String identity = x;
    if (stride != 1 || in != out) {
      identity =
          switch (config.shortcut()) {
            case PROJECTION ->
                g.convBatchNorm(x, key + ".downsample.0", key + ".downsample.1", stride, 0, 1);
            case ZERO_PAD -> {
              long extra = out - in;
              yield g.subsampleAndPadChannels(
                  x, key + ".shortcut", stride, extra / 2, extra - extra / 2);
            }
          };
    }
    return g.relu(g.add(y, identity, key + ".add"));
  }
}
