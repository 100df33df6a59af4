package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.densefractal.DenseFractalException;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.block.NDArrays;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with torch.optim.SGD's exact update (dampening 0), so that a recipe
 * means the same here and in PyTorch:
 *
 * <pre>
 *   d = grad + weight_decay · p
 *   buf = d                       (first step)
 *   buf = momentum · buf + d      (later steps)
 *   d = d + momentum · buf        (Nesterov)   or   d = buf
 *   p = p − lr · d
 * </pre>
 *
 * <p>Its state (the momentum buffers, keyed like the state dict) is saved in checkpoints so that a
 * resumed run continues bit-exactly. DJL's own optimizers keep that state private.
 */
public final class Sgd implements AutoCloseable {
  /** Prefix of the momentum buffers' keys in a checkpoint. */
  public static final String STATE_PREFIX = "optimizer.momentum_buffer.";

  private final Map<String, Parameter> parameters;
  private final double momentum;
  private final boolean nesterov;
  private final double weightDecay;
  private final NDManager manager;
  private final Map<String, NDArray> buffers = new LinkedHashMap<>();

  /**
   * @param parameters the trainable parameters by state-dict key (others are skipped)
   * @param manager parent of the manager that holds the momentum buffers
   */
  public Sgd(
      Map<String, Parameter> parameters,
      double momentum,
      boolean nesterov,
      double weightDecay,
      NDManager manager) {
    this.parameters = new LinkedHashMap<>();
    parameters.forEach(
        (key, p) -> {
          if (p.requiresGradient()) {
            this.parameters.put(key, p);
          }
        });
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
    this.manager = manager.newSubManager();
  }

  public static Sgd of(Map<String, Parameter> parameters, Recipe recipe, NDManager manager) {
    return new Sgd(parameters, recipe.momentum(), recipe.nesterov(), recipe.weightDecay(), manager);
  }

  /**
   * Applies one update with learning rate {@code lr} from the parameters' accumulated gradients,
   * then zeroes the gradients (they accumulate across backward passes).
   */
  public void step(double lr) {
    // Every temporary is attached to the step's scope: an operation's result belongs to its
    // input's manager, and the inputs here (weights, buffers) live for the whole run. The scalars
    // are made once per step (NDArray.mul(Number) makes a fresh one per call), and d is built in
    // the gradient's own storage, which is zeroed at the end anyway: the same operations in the
    // same order as before, one parameter-sized copy and three scalar tensors fewer per parameter.
    try (NDManager scope = manager.newSubManager()) {
      NDArray wd = scope.create(weightDecay);
      NDArray mu = scope.create(momentum);
      NDArray rate = scope.create(lr);
      for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
        NDArray p = e.getValue().getArray();
        NDArray d = p.getGradient();
        d.attach(scope); // the handle (not the gradient itself) dies with the scope
        if (weightDecay != 0) {
          d.addi(scoped(p.mul(wd), scope));
        }
        NDArray update = d;
        if (momentum != 0) {
          NDArray buf = buffers.get(e.getKey());
          if (buf == null) {
            buf = d.duplicate();
            buf.attach(manager);
            buffers.put(e.getKey(), buf);
          } else {
            buf.muli(mu).addi(d);
          }
          if (nesterov) {
            d.addi(scoped(buf.mul(mu), scope));
          } else {
            update = buf;
          }
        }
        p.subi(scoped(update.mul(rate), scope));
        d.subi(d); // zero the gradient for the next accumulation
      }
    }
  }

  private static NDArray scoped(NDArray a, NDManager scope) {
    a.attach(scope);
    return a;
  }

  /** The momentum buffers as a state dict with {@link #STATE_PREFIX} keys. */
  public StateDict state() {
    StateDict sd = new StateDict();
    buffers.forEach((key, buf) -> sd.put(STATE_PREFIX + key, NDArrays.toTensor(buf)));
    return sd;
  }

  /**
   * Restores momentum buffers saved by {@link #state()} (keys without a buffer start fresh, as
   * before the first step).
   *
   * @throws DenseFractalException when a buffer names no parameter or has the wrong shape
   */
  public void load(StateDict saved) {
    for (String key : saved.keys()) {
      if (!key.startsWith(STATE_PREFIX)) {
        continue;
      }
      String name = key.substring(STATE_PREFIX.length());
      Parameter p = parameters.get(name);
      Tensor t = saved.get(key);
      if (p == null) {
        throw new DenseFractalException(
            "checkpoint has optimizer state for '" + name + "', which the model does not have");
      }
      long[] shape = p.getArray().getShape().getShape();
      if (!Arrays.equals(shape, t.shape())) {
        throw new DenseFractalException(
            String.format(
                "checkpoint's optimizer state for '%s' has shape %s, the parameter %s",
                name, Arrays.toString(t.shape()), Arrays.toString(shape)));
      }
      NDArray old = buffers.put(name, NDArrays.toFloat32(t, manager));
      if (old != null) {
        old.close();
      }
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
