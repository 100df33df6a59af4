package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.densefractal.DenseFractalException;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The update equals torch.optim.SGD's definition, step by step, and its state round-trips. */
class SgdTest {
  private static final float[] X = {0.5f, -2f, 3f};

  /** loss = w · x, so the gradient of w is x at every step. */
  private static void backward(Linear linear, NDManager m) {
    try (NDManager scope = m.newSubManager();
        GradientCollector c = Engine.getInstance().newGradientCollector()) {
      NDArray x = scope.create(X, new Shape(1, 3));
      c.backward(
          linear.forward(new ParameterStore(scope, false), new NDList(x), true).head().sum());
    }
  }

  private static Linear linear(NDManager m) {
    Linear linear = Linear.builder().setUnits(1).optBias(false).build();
    linear.initialize(m, DataType.FLOAT32, new Shape(1, 3));
    linear.getParameters().get(0).getValue().getArray().set(new float[] {1f, 2f, -1f});
    return linear;
  }

  /** torch.optim.SGD(dampening=0) written out in doubles. */
  private static double[] reference(double m, boolean nesterov, double wd, double[] lrs) {
    double[] p = {1, 2, -1};
    double[] buf = null;
    for (double lr : lrs) {
      double[] d = new double[3];
      for (int i = 0; i < 3; i++) {
        d[i] = X[i] + wd * p[i];
      }
      if (buf == null) {
        buf = d.clone();
      } else {
        for (int i = 0; i < 3; i++) {
          buf[i] = m * buf[i] + d[i];
        }
      }
      for (int i = 0; i < 3; i++) {
        double step = nesterov ? d[i] + m * buf[i] : buf[i];
        p[i] -= lr * step;
      }
    }
    return p;
  }

  private static float[] train(double m, boolean nesterov, double wd, double[] lrs) {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear linear = linear(manager);
      Map<String, Parameter> params = Map.of("w", linear.getParameters().get(0).getValue());
      try (Sgd sgd = new Sgd(params, m, nesterov, wd, manager)) {
        for (double lr : lrs) {
          backward(linear, manager);
          sgd.step(lr);
        }
      }
      return params.get("w").getArray().toFloatArray();
    }
  }

  @Test
  void matchesTorchSgdWithNesterovAndWeightDecay() {
    double[] lrs = {0.1, 0.1, 0.05};
    double[] expected = reference(0.9, true, 1e-2, lrs);
    float[] actual = train(0.9, true, 1e-2, lrs);
    for (int i = 0; i < 3; i++) {
      assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-5));
    }
  }

  @Test
  void matchesTorchSgdWithPlainMomentumAndWithout() {
    double[] lrs = {0.2, 0.2, 0.2, 0.02};
    for (double m : new double[] {0.9, 0}) {
      double[] expected = reference(m, false, 0, lrs);
      float[] actual = train(m, false, 0, lrs);
      for (int i = 0; i < 3; i++) {
        assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-5));
      }
    }
  }

  @Test
  void stateRoundTripsAndContinuesIdentically() {
    float[] straight = train(0.9, true, 1e-3, new double[] {0.1, 0.1, 0.1});
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear linear = linear(manager);
      Map<String, Parameter> params = Map.of("w", linear.getParameters().get(0).getValue());
      StateDict saved;
      try (Sgd sgd = new Sgd(params, 0.9, true, 1e-3, manager)) {
        for (int i = 0; i < 2; i++) {
          backward(linear, manager);
          sgd.step(0.1);
        }
        saved = sgd.state();
      }
      assertThat(saved.keys()).containsExactly(Sgd.STATE_PREFIX + "w");
      try (Sgd resumed = new Sgd(params, 0.9, true, 1e-3, manager)) {
        resumed.load(saved);
        backward(linear, manager);
        resumed.step(0.1);
      }
      assertThat(params.get("w").getArray().toFloatArray()).containsExactly(straight);
    }
  }

  @Test
  void rejectsStateOfAnotherModel() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear linear = linear(manager);
      Map<String, Parameter> params = Map.of("w", linear.getParameters().get(0).getValue());
      try (Sgd sgd = new Sgd(params, 0.9, false, 0, manager)) {
        StateDict wrongShape = new StateDict();
        wrongShape.put(Sgd.STATE_PREFIX + "w", Tensor.ofFloats(new long[] {3}, new float[3]));
        assertThatThrownBy(() -> sgd.load(wrongShape))
            .isInstanceOf(DenseFractalException.class)
            .hasMessageContaining("shape");
        StateDict unknown = new StateDict();
        unknown.put(Sgd.STATE_PREFIX + "v", Tensor.ofFloats(new long[] {1, 3}, new float[3]));
        assertThatThrownBy(() -> sgd.load(unknown))
            .isInstanceOf(DenseFractalException.class)
            .hasMessageContaining("does not have");
      }
    }
  }

  @Test
  void stepsDoNotAccumulateArrays() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Linear linear = linear(manager);
      Map<String, Parameter> params = Map.of("w", linear.getParameters().get(0).getValue());
      for (boolean nesterov : new boolean[] {true, false}) {
        try (Sgd sgd = new Sgd(params, 0.9, nesterov, 1e-4, manager)) {
          int[] counts = new int[6];
          for (int i = 0; i < counts.length; i++) {
            backward(linear, manager);
            sgd.step(0.1);
            counts[i] = ((ai.djl.ndarray.BaseNDManager) manager).getManagedArrays().size();
          }
          // After the first step created the momentum buffer, nothing may pile up.
          assertThat(counts[5]).isEqualTo(counts[1]);
        }
      }
    }
  }
}
