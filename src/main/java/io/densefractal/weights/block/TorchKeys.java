package io.densefractal.weights.block;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import io.densefractal.weights.StateDict;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Names a block's parameters with torch state-dict keys, by one rule: the path of child names
 * joined by '.', then the parameter name with DJL's BatchNorm names mapped to torch's ({@code
 * gamma} → {@code weight}, {@code beta} → {@code bias}, {@code runningMean} → {@code running_mean},
 * {@code runningVar} → {@code running_var}). Child names are the torch attribute names our models
 * register; DJL prefixes each with its 1-based position ("%02d"), which is stripped here.
 */
public final class TorchKeys {
  /** The buffer torch's BatchNorm has and DJL's lacks; optional on load, written as 0 on save. */
  public static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

  /**
   * torchvision's first DenseNet checkpoints named layer parts {@code norm.1}, {@code conv.2}; its
   * {@code _load_state_dict} rewrites them with this pattern, and so do we.
   */
  private static final Pattern OLD_DENSENET_KEY =
      Pattern.compile(
          "^(.*denselayer\\d+\\.(?:norm|relu|conv))\\.((?:[12])\\."
              + "(?:weight|bias|running_mean|running_var|num_batches_tracked))$");

  private TorchKeys() {}

  /** {@code weights} with old-style keys renamed to today's torchvision keys (same tensors). */
  public static StateDict upgradeLegacyKeys(StateDict weights) {
    boolean any = weights.keys().stream().anyMatch(k -> OLD_DENSENET_KEY.matcher(k).matches());
    if (!any) {
      return weights;
    }
    StateDict upgraded = new StateDict();
    weights.metadata().forEach(upgraded::putMetadata);
    weights
        .tensors()
        .forEach((k, t) -> upgraded.put(OLD_DENSENET_KEY.matcher(k).replaceFirst("$1$2"), t));
    return upgraded;
  }

  /**
   * Every parameter (including BatchNorm running statistics) under its torch key, in model order.
   */
  public static Map<String, Parameter> parameters(Block block) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    collect(block, "", out, null);
    return out;
  }

  /** The key prefixes ({@code layer1.0.bn1.}) of every BatchNorm, where torch keeps a counter. */
  public static Map<String, BatchNorm> batchNorms(Block block) {
    Map<String, BatchNorm> out = new LinkedHashMap<>();
    collect(block, "", new LinkedHashMap<>(), out);
    return out;
  }

  private static void collect(
      Block block, String prefix, Map<String, Parameter> params, Map<String, BatchNorm> norms) {
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      params.put(prefix + torchParameterName(p.getKey()), p.getValue());
    }
    if (norms != null && block instanceof BatchNorm bn) {
      norms.put(prefix, bn);
    }
    int position = 1;
    for (Pair<String, Block> child : block.getChildren()) {
      String name = childName(child.getKey(), position++);
      collect(child.getValue(), prefix + name + ".", params, norms);
    }
  }

  /** The torch attribute name of the {@code position}-th (1-based) child, DJL prefix stripped. */
  public static String childName(String childName, int position) {
    String number = String.format(Locale.ROOT, "%02d", position);
    if (!childName.startsWith(number)) {
      throw new IllegalStateException(
          "child block name '" + childName + "' lacks DJL's position prefix " + number);
    }
    return childName.substring(number.length());
  }

  static String torchParameterName(String djlName) {
    return switch (djlName) {
      case "gamma" -> "weight";
      case "beta" -> "bias";
      case "runningMean" -> "running_mean";
      case "runningVar" -> "running_var";
      default -> djlName;
    };
  }
}
