package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Drop-path draws, from the engine's seeded generator (so runs are reproducible with
 * {@code Engine.setRandomSeed}). One draw per mini-batch, as the authors' FractalJoin layer.
 */
final class DropPath {
  private DropPath() {}

  /** Which inputs of an n-input join are kept. */
  @FunctionalInterface
  interface Masks {
    boolean[] sample(int n);
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
