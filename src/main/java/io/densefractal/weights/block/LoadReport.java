package io.densefractal.weights.block;

import java.util.List;

/**
 * What loading a state dict into a model found, like torch's {@code load_state_dict} result.
 *
 * @param loaded keys whose values were copied into the model
 * @param missing model keys the file lacks
 * @param unexpected file keys the model lacks
 * @param mismatched keys present on both sides whose shapes (or kinds) differ, one line each
 */
public record LoadReport(
    List<String> loaded, List<String> missing, List<String> unexpected, List<String> mismatched) {
  private static final int SHOWN = 12;

  public LoadReport {
    loaded = List.copyOf(loaded);
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
    mismatched = List.copyOf(mismatched);
  }

  public boolean isClean() {
    return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty();
  }

  /** One line per problem kind, with the first keys of each, and what to do. */
  public String describe() {
    if (isClean()) {
      return "all " + loaded.size() + " keys loaded";
    }
    StringBuilder sb = new StringBuilder("weights do not match the model:");
    append(sb, "missing", missing);
    append(sb, "unexpected", unexpected);
    append(sb, "shape mismatch", mismatched);
    sb.append(
        " (check --model / --num-classes / --in-channels; use non-strict loading to fine-tune a"
            + " new head)");
    return sb.toString();
  }

  private static void append(StringBuilder sb, String kind, List<String> keys) {
    if (keys.isEmpty()) {
      return;
    }
    sb.append(' ').append(keys.size()).append(' ').append(kind).append(" [");
    sb.append(String.join(", ", keys.subList(0, Math.min(SHOWN, keys.size()))));
    if (keys.size() > SHOWN) {
      sb.append(", … ").append(keys.size() - SHOWN).append(" more");
    }
    sb.append("];");
  }
}
