package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Drop-path draws, from the engine's seeded generator (so runs are reproducible with
 * {@code Engine.setRandomSeed}). One draw per mini-batch, as the authors' FractalJoin layer.
 */
final class DropPath {
  private DropPath() {}

  /** Uniform numbers in [0, 1) from the engine. */
  static float[] uniform(NDManager manager, int n) {
    try (NDManager scratch = manager.newSubManager()) {
      return scratch.randomUniform(0f, 1f, new Shape(n)).toFloatArray();
    }
  }

  /** Local drop-path for one forward pass: each join drops each input with probability p. */
  static final class Local {
    private final NDManager manager;
    private final double p;

    Local(NDManager manager, double p) {
      this.manager = manager;
      this.p = p;
    }

    /**
     * Which of {@code n} inputs a join keeps: each independently with probability 1 − p; when all
     * would be dropped, one chosen uniformly is kept (the authors' rule).
     */
    boolean[] sample(int n) {
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
    }
  }
}
