package io.densefractal.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Moves weights between an initialised block and a torch-keyed {@link StateDict}. */
public final class ModelWeights {
  private ModelWeights() {}

  /**
   * The block's state dict with torchvision's keys and order, including BatchNorm running statistics
   * and a {@code num_batches_tracked} of 0 (DJL does not count batches; torch only reads it when
   * momentum is None), so that {@code load_state_dict(strict=True)} accepts it.
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
   * Copies {@code weights} into the block.
   *
   * @param strict when true, any missing, unexpected or mis-shaped key aborts the load before
   *     anything is copied, and the exception lists them all; when false, matching keys are copied
   *     and the rest reported (fine-tuning with a new head)
   * @throws StateDictMismatchException in strict mode when the keys do not match
   */
  public static LoadReport load(Block block, StateDict weights, boolean strict) {
    requireInitialized(block);
    Map<String, Parameter> params = TorchKeys.parameters(block);
    Set<String> norms = TorchKeys.batchNorms(block).keySet();
    List<String> loaded = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> mismatched = new ArrayList<>();
    Set<String> unexpected = new LinkedHashSet<>(weights.keys());
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      String key = e.getKey();
      unexpected.remove(key);
      Tensor t = weights.get(key);
      if (t == null) {
        missing.add(key);
        continue;
      }
      long[] want = e.getValue().getArray().getShape().getShape();
      if (!Arrays.equals(want, t.shape())) {
        mismatched.add(
            key + ": file " + Arrays.toString(t.shape()) + " vs model " + Arrays.toString(want));
      } else if (!t.dtype().isFloatingPoint()) {
        mismatched.add(key + ": file has " + t.dtype() + ", the model needs floating point");
      } else {
        loaded.add(key);
      }
    }
    // torch's BatchNorm counter has no DJL twin: accept it where a BatchNorm exists.
    unexpected.removeIf(
        k ->
            k.endsWith("." + TorchKeys.NUM_BATCHES_TRACKED)
                && norms.contains(k.substring(0, k.length() - TorchKeys.NUM_BATCHES_TRACKED.length())));
    LoadReport report = new LoadReport(loaded, missing, new ArrayList<>(unexpected), mismatched);
    if (strict && !report.isClean()) {
      throw new StateDictMismatchException(report);
    }
    for (String key : loaded) {
      NDArray target = params.get(key).getArray();
      float[] values = weights.get(key).toFloatArray();
      if (target.getDataType() != DataType.FLOAT32) {
        throw new WeightsFormatException(
            "parameter " + key + " is " + target.getDataType() + "; only float32 models load weights");
      }
      // Copy in place by index assignment: NDArray.set(float[]) runs a libtorch path that prints
      // an "AutoNonVariableTypeMode is deprecated" warning straight to stderr.
      try (NDManager scratch = target.getManager().newSubManager()) {
        target.set(new NDIndex("..."), scratch.create(values, target.getShape()));
      }
    }
    return report;
  }

  private static void requireInitialized(Block block) {
    if (!block.isInitialized()) {
      throw new IllegalStateException(
          "initialize the block (block.initialize(manager, FLOAT32, inputShape)) before moving weights");
    }
  }
}
