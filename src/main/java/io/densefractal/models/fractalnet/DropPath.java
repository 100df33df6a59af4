package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * Drop-path draws, from the engine's seeded generator (so runs are reproducible with {@code
 * Engine.setRandomSeed}). One draw per mini-batch, as the authors' FractalJoin layer.
 */
final class DropPath {
  private DropPath() {}

  /** Which inputs of an n-input join are kept, for the whole mini-batch. */
  @FunctionalInterface
  interface Masks {
    boolean[] sample(int n);
  }

  /** How a join combines its inputs (listed deepest column first, with their column indices). */
  @FunctionalInterface
  interface JoinRule {
    NDArray join(List<NDArray> inputs, List<Integer> columns);
  }

  /** The plain mean: inference. */
  static NDArray mean(List<NDArray> inputs) {
    NDArray sum = inputs.get(0);
    for (int i = 1; i < inputs.size(); i++) {
      sum = sum.add(inputs.get(i));
    }
    return inputs.size() == 1 ? sum : sum.div(inputs.size());
  }

  /** Mean of the inputs {@code masks} keeps, one mask for the whole mini-batch. */
  static JoinRule batchMasks(Masks masks) {
    return (inputs, columns) -> {
      if (inputs.size() == 1) {
        return inputs.get(0);
      }
      boolean[] keep = masks.sample(inputs.size());
      List<NDArray> kept = new ArrayList<>();
      for (int i = 0; i < keep.length; i++) {
        if (keep[i]) {
          kept.add(inputs.get(i));
        }
      }
      return mean(kept);
    };
  }

  /**
   * Per-sample drop-path: sample s is global with column {@code globalColumn[s]} (or local when
   * -1). A global sample keeps only its column's input at each join (zeros where that column does
   * not take part, which its path never uses); a local sample keeps each input with probability 1 −
   * p, at least one. Output = Σ kept / max(1, #kept), per sample.
   */
  static JoinRule perSample(NDManager manager, int[] globalColumn, double p) {
    Masks local = local(manager, p);
    return (inputs, columns) -> {
      int n = inputs.size();
      int batch = globalColumn.length;
      float[] weights = new float[batch * n];
      for (int s = 0; s < batch; s++) {
        boolean[] keep = new boolean[n];
        if (globalColumn[s] >= 0) {
          for (int i = 0; i < n; i++) {
            keep[i] = columns.get(i) == globalColumn[s];
          }
        } else {
          keep = n == 1 ? new boolean[] {true} : local.sample(n);
        }
        int kept = 0;
        for (boolean k : keep) {
          kept += k ? 1 : 0;
        }
        for (int i = 0; i < n; i++) {
          weights[s * n + i] = keep[i] ? 1f / Math.max(1, kept) : 0f;
        }
      }
      NDArray w = inputs.get(0).getManager().create(weights, new Shape(batch, n));
      NDArray out = null;
      for (int i = 0; i < n; i++) {
        NDArray wi = w.get(":, " + i).reshape(batch, 1, 1, 1);
        NDArray term = inputs.get(i).mul(wi);
        out = out == null ? term : out.add(term);
      }
      return out;
    };
  }

  /** Per-sample plan: -1 (local) or the global column of each of {@code batch} samples. */
  static int[] perSamplePlan(NDManager manager, int batch, double globalFraction, int columns) {
    float[] u = uniform(manager, 2 * batch);
    int[] plan = new int[batch];
    for (int s = 0; s < batch; s++) {
      plan[s] =
          u[2 * s] < globalFraction ? Math.min(columns - 1, (int) (u[2 * s + 1] * columns)) : -1;
    }
    return plan;
  }

  /**
   * The mode of one mini-batch.
   *
   * @param globalColumn the column (0-based) that runs alone, or -1 for local drop-path
   */
  record Plan(int globalColumn) {
    boolean isGlobal() {
      return globalColumn >= 0;
    }
  }

  /** Global with probability {@code globalFraction}, the column uniform; local otherwise. */
  static Plan plan(NDManager manager, double globalFraction, int columns) {
    float[] u = uniform(manager, 2);
    return u[0] < globalFraction
        ? new Plan(Math.min(columns - 1, (int) (u[1] * columns)))
        : new Plan(-1);
  }

  /**
   * Local drop-path masks: each input kept independently with probability 1 − p; when all would be
   * dropped, one chosen uniformly is kept (the authors' rule).
   */
  static Masks local(NDManager manager, double p) {
    return n -> {
      float[] u = uniform(manager, n + 1);
      boolean[] keep = new boolean[n];
      boolean any = false;
      for (int i = 0; i < n; i++) {
        keep[i] = u[i] >= p;
        any |= keep[i];
      }
      if (!any) {
        keep[Math.min(n - 1, (int) (u[n] * n))] = true;
      }
      return keep;
    };
  }

  /** Uniform numbers in [0, 1) from the engine. */
  static float[] uniform(NDManager manager, int n) {
    try (NDManager scratch = manager.newSubManager()) {
      return scratch.randomUniform(0f, 1f, new Shape(n)).toFloatArray();
    }
  }
}
