package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Shuffle;
import io.densefractal.data.Transform;
import io.densefractal.models.Layers;
import io.densefractal.models.RegularizedNetwork;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.block.TorchKeys;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Re-estimates BatchNorm running statistics for the network that inference runs ("precise BN"):
 * each BatchNorm's running mean and variance become the average, over some mini-batches of training
 * images, of the batch statistics it sees in a training-mode forward of the network without dropout
 * or drop-path (PyTorch's cumulative average, {@code momentum=None}).
 *
 * <p>Why: FractalNet trains with drop-path, so the BatchNorm layers after a join see one column or
 * a partial mean while inference joins the mean of all columns, and the running statistics follow
 * the last ≈ 10 mini-batches' random draws. Early in training that moves test accuracy by points
 * without a weight changing; recalibration recovers it (measured in docs/RESULTS.md). For networks
 * without such regularisation it mainly replaces the moving average's lag with a plain average.
 */
public final class BatchNormRecalibration {
  private BatchNormRecalibration() {}

  /**
   * Replaces {@code model}'s running statistics.
   *
   * @param model an initialised network
   * @param data the images to estimate from (a training split)
   * @param transform their transform (the evaluation one: the inputs inference will see)
   * @param batches how many mini-batches
   * @param batchSize their size (at least 2)
   * @param seed picks the images
   * @param manager parent of the per-batch scopes and of the twin network
   * @return the number of images used
   */
  public static int recalibrate(
      Block model,
      ImageDataset data,
      Transform transform,
      int batches,
      int batchSize,
      long seed,
      NDManager manager) {
    if (batches < 1 || batchSize < 2) {
      throw new IllegalArgumentException(
          "need at least 1 batch of at least 2 images, got " + batches + " of " + batchSize);
    }
    int count = (int) Math.min(data.size(), (long) batches * batchSize);
    if (count < 2) {
      throw new IllegalArgumentException("need at least 2 images, the dataset has " + data.size());
    }
    int[] order = Arrays.copyOf(Shuffle.permutation(data.size(), seed), count);
    if (count % batchSize == 1) {
      order = Arrays.copyOf(order, count - 1); // batch statistics of one image are meaningless
    }
    try (NDManager scope = manager.newSubManager()) {
      Block net = model;
      if (model instanceof RegularizedNetwork regularized) {
        // Its twin without dropout and drop-path, holding the same weights.
        net = regularized.withoutRegularization();
        Shape one = new Shape(1, transform.channels(), transform.size(), transform.size());
        ModelWeights.initialize(net, scope, one, ModelWeights.stateDict(model), true);
      }
      Map<String, Parameter> stats = runningStatistics(net);
      Map<String, NDArray> sums = new LinkedHashMap<>();
      for (Map.Entry<String, Parameter> e : stats.entrySet()) {
        sums.put(e.getKey(), e.getValue().getArray().zerosLike());
        sums.get(e.getKey()).attach(scope);
      }
      // With the statistics zeroed before each batch, BatchNorm's update leaves exactly
      // (1 − momentum) × the batch statistic in them.
      float share = 1 - Layers.BATCH_NORM_MOMENTUM;
      ParameterStore ps = new ParameterStore(scope, false);
      int used = 0;
      try (BatchLoader loader = new BatchLoader(data, transform, order, batchSize, seed)) {
        while (loader.hasNext()) {
          Batch b = loader.next();
          try (NDManager step = scope.newSubManager()) {
            for (Parameter p : stats.values()) {
              p.getArray().set(new NDIndex("..."), 0f);
            }
            net.forward(ps, new NDList(Batches.images(b, step)), true);
            for (Map.Entry<String, Parameter> e : stats.entrySet()) {
              try (NDArray batchStatistic = e.getValue().getArray().div(share)) {
                sums.get(e.getKey()).addi(batchStatistic);
              }
            }
          }
          used += b.count();
        }
      }
      int n = (order.length + batchSize - 1) / batchSize;
      Map<String, Parameter> target = net == model ? stats : runningStatistics(model);
      for (Map.Entry<String, NDArray> e : sums.entrySet()) {
        target.get(e.getKey()).getArray().set(new NDIndex("..."), e.getValue().div(n));
      }
      return used;
    }
  }

  /** The running means and variances of {@code block}'s BatchNorm layers, by state-dict key. */
  static Map<String, Parameter> runningStatistics(Block block) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : TorchKeys.parameters(block).entrySet()) {
      Parameter.Type type = e.getValue().getType();
      if (type == Parameter.Type.RUNNING_MEAN || type == Parameter.Type.RUNNING_VAR) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
