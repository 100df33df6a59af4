package io.densefractal.train;

import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.util.Map;

/** Finds NaN or infinite values in weights, so that they are never saved or used as good. */
public final class FiniteWeights {
  private FiniteWeights() {}

  /** The name of the first floating-point tensor holding a NaN or infinity, or null. */
  public static String firstNonFinite(StateDict weights) {
    for (Map.Entry<String, Tensor> e : weights.tensors().entrySet()) {
      Tensor t = e.getValue();
      if (!t.dtype().isFloatingPoint()) {
        continue;
      }
      for (float v : t.toFloatArray()) {
        if (!Float.isFinite(v)) {
          return e.getKey();
        }
      }
    }
    return null;
  }
}
