package io.densefractal.onnx;

import io.densefractal.models.densenet.DenseNetConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * DenseNet (torchvision and the paper's CIFAR configurations) as ONNX nodes: the stem, dense blocks
 * (each layer BN-ReLU-conv over the concatenation of every earlier map), transitions (BN, ReLU, 1×1
 * conv, 2×2 average pool), norm5 and the final ReLU. Keys are torchvision's ({@code
 * features.denseblock1.denselayer1.norm1.weight}).
 */
final class DenseNetGraph {
  private DenseNetGraph() {}

  /** The last feature map, after norm5 and its ReLU (what global pooling averages). */
  static String features(OnnxGraph g, DenseNetConfig config, String x) {
    String y;
    if (config.stem() == DenseNetConfig.Stem.IMAGENET) {
      y = g.relu(g.convBatchNorm(x, "features.conv0", "features.norm0", 2, 3, 1));
      y = g.maxPool(y, "features.pool0", 3, 2, 1);
    } else {
      y = g.conv(x, "features.conv0", 1, 1, 1);
    }
    int blocks = config.blocks().size();
    for (int b = 1; b <= blocks; b++) {
      String block = "features.denseblock" + b;
      List<String> maps = new ArrayList<>(List.of(y));
      for (int l = 1; l <= config.blocks().get(b - 1); l++) {
        String layer = block + ".denselayer" + l;
        String joined = g.concat(maps, layer + ".concat");
        String out;
        if (config.bottleneck()) {
          // The bottleneck's norm2 follows conv1 directly: folded into it, as torch.onnx.export
          // does. norm1 (after a concat) and the transitions' norms have no conv to fold into.
          String pre = g.relu(g.batchNorm(joined, layer + ".norm1"));
          String mid = g.convBatchNorm(pre, layer + ".conv1", layer + ".norm2", 1, 0, 1);
          out = g.conv(g.relu(mid), layer + ".conv2", 1, 1, 1);
        } else {
          out = unit(g, joined, layer + ".norm1", layer + ".conv1", false);
        }
        maps.add(out);
      }
      y = g.concat(maps, block);
      if (b < blocks) {
        String t = "features.transition" + b;
        y = g.relu(g.batchNorm(y, t + ".norm"));
        y = g.averagePool(g.conv(y, t + ".conv", 1, 0, 1), t + ".pool", 2, 2);
      }
    }
    return g.relu(g.batchNorm(y, "features.norm5"));
  }

  /** BN, ReLU, then a 1×1 (bottleneck) or 3×3 convolution. */
  private static String unit(OnnxGraph g, String x, String norm, String conv, boolean pointwise) {
    return g.conv(g.relu(g.batchNorm(x, norm)), conv, 1, pointwise ? 0 : 1, 1);
  }
}
