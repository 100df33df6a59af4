package io.densefractal.weights.pth;

import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the state dict inside whatever torch.save was given: the dict of tensors itself, or a
 * training checkpoint that nests it under {@code state_dict} or {@code model}; strips the {@code
 * module.} prefix that DataParallel adds. Works on the raw tree so only the chosen tensors are ever
 * materialized (optimizer state is never read).
 */
final class CheckpointUnwrapper {
  private static final String DATA_PARALLEL_PREFIX = "module.";
  private static final int MAX_KEYS_SHOWN = 20;

  private CheckpointUnwrapper() {}

  /** Returns the state dict's tensors (refs or tensors) by key, in file order. */
  static LinkedHashMap<String, Object> select(Object root, String source) {
    if (!(root instanceof Map<?, ?> top)) {
      throw new WeightsFormatException(
          source
              + " holds a "
              + PyValues.typeName(root)
              + ", not a dict of tensors; save model.state_dict() instead");
    }
    LinkedHashMap<String, Object> tensors = null;
    for (String nested : new String[] {"state_dict", "model"}) {
      if (top.get(nested) instanceof Map<?, ?> inner) {
        LinkedHashMap<String, Object> found = tensorsOf(inner);
        if (!found.isEmpty()) {
          tensors = found;
          break;
        }
      }
    }
    if (tensors == null) {
      tensors = tensorsOf(top);
    }
    if (tensors.isEmpty()) {
      throw new WeightsFormatException(
          source
              + " contains no tensors; top-level keys: "
              + describeKeys(top)
              + ". Expected a state dict, or a checkpoint with a 'state_dict' or 'model' entry");
    }
    return stripDataParallelPrefix(tensors);
  }

  /**
   * The string-keyed tensor entries of a dict; everything else (epochs, nested dicts) is skipped.
   */
  private static LinkedHashMap<String, Object> tensorsOf(Map<?, ?> dict) {
    LinkedHashMap<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : dict.entrySet()) {
      Object v = e.getValue();
      if (e.getKey() instanceof String key && (v instanceof TensorRef || v instanceof Tensor)) {
        out.put(key, v);
      }
    }
    return out;
  }

  private static LinkedHashMap<String, Object> stripDataParallelPrefix(
      LinkedHashMap<String, Object> tensors) {
    for (String key : tensors.keySet()) {
      if (!key.startsWith(DATA_PARALLEL_PREFIX)) {
        return tensors;
      }
    }
    LinkedHashMap<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : tensors.entrySet()) {
      out.put(e.getKey().substring(DATA_PARALLEL_PREFIX.length()), e.getValue());
    }
    return out;
  }

  private static String describeKeys(Map<?, ?> dict) {
    List<String> keys = new ArrayList<>();
    for (Object k : dict.keySet()) {
      if (keys.size() == MAX_KEYS_SHOWN) {
        keys.add("... (" + dict.size() + " in all)");
        break;
      }
      keys.add(k instanceof String s ? "'" + s + "'" : "<" + PyValues.typeName(k) + ">");
    }
    return keys.toString();
  }
}
