package io.densefractal.onnx;

import io.densefractal.models.fractalnet.FractalNetConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * FractalNet as ONNX nodes in eval mode (joins are the plain mean; dropout and drop-path are
 * training-only), whole or one column alone. Each block: the optional 1×1 "doubling" unit, the
 * columns laid out by depth step (column c ends a unit every 2^(C−1−c) steps, the columns ending
 * together are joined), a 2×2 max-pool. Keys: {@code blocks.0.columns.2.convs.1.conv.weight}.
 */
final class FractalNetGraph {
  private FractalNetGraph() {}

  /**
   * The last feature map (the input of global pooling).
   *
   * @param column 0 for the whole network, else the 1-based column run alone
   */
  static String features(OnnxGraph g, FractalNetConfig config, String x, int column) {
    String y = x;
    for (int b = 0; b < config.blocks(); b++) {
      y = column == 0 ? block(g, config, y, b) : columnOf(g, config, y, b, column - 1);
    }
    return y;
  }

  private static String block(OnnxGraph g, FractalNetConfig config, String x, int b) {
    String key = "blocks." + b;
    String z = doubling(g, config, x, key);
    int count = config.columns();
    int depth = 1 << (count - 1);
    String[] next = new String[count];
    Arrays.fill(next, z);
    for (int t = 1; t <= depth; t++) {
      List<String> outs = new ArrayList<>();
      List<Integer> ending = new ArrayList<>();
      for (int c = count - 1; c >= 0; c--) {
        int span = 1 << (count - 1 - c);
        if (t % span == 0) {
          ending.add(c);
          // A column without units (identity short path) passes its input on.
          outs.add(
              config.unitsOf(c) == 0 ? next[c] : unit(g, next[c], unitKey(key, c, t / span - 1)));
        }
      }
      if (t == depth) {
        if (config.poolBeforeLastJoin()) {
          List<String> pooled = new ArrayList<>();
          for (int i = 0; i < outs.size(); i++) {
            pooled.add(g.maxPool(outs.get(i), key + ".pool." + ending.get(i), 2, 2, 0));
          }
          return g.mean(pooled, key + ".join");
        }
        return g.maxPool(g.mean(outs, key + ".join"), key + ".pool", 2, 2, 0);
      }
      String joined = g.mean(outs, key + ".join" + t);
      for (int c : ending) {
        next[c] = joined;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  private static String columnOf(OnnxGraph g, FractalNetConfig config, String x, int b, int c) {
    String key = "blocks." + b;
    String z = doubling(g, config, x, key);
    for (int u = 0; u < config.unitsOf(c); u++) {
      z = unit(g, z, unitKey(key, c, u));
    }
    return g.maxPool(z, key + ".pool", 2, 2, 0);
  }

  private static String doubling(OnnxGraph g, FractalNetConfig config, String x, String key) {
    return config.blockInput() == FractalNetConfig.BlockInput.PROJECTED
        ? unit(g, x, key + ".doubling")
        : x;
  }

  private static String unitKey(String block, int column, int unit) {
    return block + ".columns." + column + ".convs." + unit;
  }

  /** Conv (same padding) with its BatchNorm folded in, ReLU. */
  private static String unit(OnnxGraph g, String x, String key) {
    return g.relu(g.convSameBatchNorm(x, key + ".conv", key + ".bn"));
  }
}
