package io.densefractal.weights.block;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.densefractal.weights.DType;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves weights between a block and a torch-keyed {@link StateDict}.
 *
 * <p>Loaded values become the parameter arrays themselves (through a per-parameter initializer),
 * not copies into arrays allocated first: a load holds each weight once in native memory.
 */
public final class ModelWeights {
  private ModelWeights() {}

  /**
   * The block's state dict with torchvision's keys and order, including BatchNorm running
   * statistics and a {@code num_batches_tracked} of 0 (DJL does not count batches; torch only reads
   * it when momentum is None), so that {@code load_state_dict(strict=True)} accepts it.
   */
  public static StateDict stateDict(Block block) {
    requireInitialized(block);
    StateDict sd = new StateDict();
    Set<String> norms = TorchKeys.batchNorms(block).keySet();
    for (Map.Entry<String, Parameter> e : TorchKeys.parameters(block).entrySet()) {
      sd.put(e.getKey(), NDArrays.toTensor(e.getValue().getArray()));
      String prefix = e.getKey().substring(0, e.getKey().lastIndexOf('.') + 1);
      if (e.getKey().endsWith(".running_var") && norms.contains(prefix)) {
        sd.put(prefix + TorchKeys.NUM_BATCHES_TRACKED, Tensor.ofLongs(new long[0], new long[] {0}));
      }
    }
    return sd;
  }

  /**
   * Initialises a fresh block for {@code inputShape} with its parameters taken from {@code
   * weights}; parameters the file lacks get the block's own initializers.
   *
   * @param strict when true, any missing, unexpected or mis-shaped key is an error listing all of
   *     them (the block is then unusable: discard it with its manager)
   * @throws StateDictMismatchException in strict mode when the keys do not match
   */
  public static LoadReport initialize(
      Block block, NDManager manager, Shape inputShape, StateDict file, boolean strict) {
    StateDict weights = TorchKeys.upgradeLegacyKeys(file);
    if (block.isInitialized()) {
      throw new IllegalStateException("block is already initialised: use load() instead");
    }
    Map<String, Parameter> params = TorchKeys.parameters(block);
    List<String> mismatched = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Tensor t = weights.get(e.getKey());
      if (t != null) {
        Parameter param = e.getValue();
        param.setInitializer(new FromTensor(e.getKey(), t, param.getInitializer(), mismatched));
      }
    }
    block.initialize(manager, DataType.FLOAT32, inputShape);
    return finish(report(params, block, weights, mismatched), strict);
  }

  /**
   * Replaces the parameters of an initialised block by {@code weights}.
   *
   * @param strict when true, any missing, unexpected or mis-shaped key aborts the load before
   *     anything changes, and the exception lists them all; when false, matching keys are loaded
   *     and the rest reported (fine-tuning with a new head)
   * @throws StateDictMismatchException in strict mode when the keys do not match
   */
  public static LoadReport load(Block block, StateDict file, boolean strict) {
    requireInitialized(block);
    StateDict weights = TorchKeys.upgradeLegacyKeys(file);
    Map<String, Parameter> params = TorchKeys.parameters(block);
    List<String> mismatched = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      Tensor t = weights.get(e.getKey());
      if (t != null) {
        String problem = mismatch(e.getKey(), e.getValue().getArray().getShape(), t);
        if (problem != null) {
          mismatched.add(problem);
        }
      }
    }
    LoadReport report = finish(report(params, block, weights, mismatched), strict);
    for (String key : report.loaded()) {
      Parameter p = params.get(key);
      NDManager manager = p.getArray().getManager();
      p.close(); // frees the old array; initialize() then builds the new one from the tensor
      p.setInitializer(new FromTensor(key, weights.get(key), p.getInitializer(), mismatched));
      p.initialize(manager, DataType.FLOAT32);
    }
    return report;
  }

  private static LoadReport report(
      Map<String, Parameter> params, Block block, StateDict weights, List<String> mismatched) {
    Set<String> norms = TorchKeys.batchNorms(block).keySet();
    Set<String> bad = new LinkedHashSet<>();
    for (String m : mismatched) {
      bad.add(m.substring(0, m.indexOf(':')));
    }
    List<String> loaded = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String key : params.keySet()) {
      if (!weights.containsKey(key)) {
        missing.add(key);
      } else if (!bad.contains(key)) {
        loaded.add(key);
      }
    }
    List<String> unexpected = new ArrayList<>();
    for (String key : weights.keys()) {
      // torch's BatchNorm counter has no DJL twin: accept it where a BatchNorm exists.
      boolean counter =
          key.endsWith("." + TorchKeys.NUM_BATCHES_TRACKED)
              && norms.contains(
                  key.substring(0, key.length() - TorchKeys.NUM_BATCHES_TRACKED.length()));
      if (!params.containsKey(key) && !counter) {
        unexpected.add(key);
      }
    }
    return new LoadReport(loaded, missing, unexpected, mismatched);
  }

  private static LoadReport finish(LoadReport report, boolean strict) {
    if (strict && !report.isClean()) {
      throw new StateDictMismatchException(report);
    }
    return report;
  }

  /** Why {@code t} cannot become the parameter {@code key} of shape {@code want}, or null. */
  static String mismatch(String key, Shape want, Tensor t) {
    if (!Arrays.equals(want.getShape(), t.shape())) {
      return key + ": file " + Arrays.toString(t.shape()) + " vs model " + want;
    }
    if (!t.dtype().isFloatingPoint()) {
      return key + ": file has " + t.dtype() + ", the model needs floating point";
    }
    return null;
  }

  /**
   * Builds a parameter's array from a file tensor. A mismatch is recorded and the parameter gets
   * its own initializer instead (the fresh head of a non-strict fine-tuning load).
   */
  private record FromTensor(
      String key, Tensor tensor, Initializer fallback, List<String> mismatched)
      implements Initializer {
    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
      String problem = mismatch(key, shape, tensor);
      if (problem != null) {
        if (!mismatched.contains(problem)) {
          mismatched.add(problem);
        }
        return fallback.initialize(manager, shape, dataType);
      }
      NDArray array =
          tensor.dtype() == DType.FLOAT32
              ? manager.create(tensor.buffer(), shape, DataType.FLOAT32)
              : manager.create(tensor.toFloatArray(), shape);
      return array.toType(dataType, false);
    }
  }

  private static void requireInitialized(Block block) {
    if (!block.isInitialized()) {
      throw new IllegalStateException(
          "initialize the block (block.initialize(manager, FLOAT32, inputShape)) before moving"
              + " weights");
    }
  }
}
