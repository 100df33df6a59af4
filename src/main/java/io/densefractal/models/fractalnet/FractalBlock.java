package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.TorchModule;
import java.util.ArrayList;
import java.util.List;

/**
 * One fractal block, laid out by columns: column c (0 = shallowest) is a chain of 2^c conv units,
 * and at depth step t the columns whose unit ends at t are joined (element-wise mean) and the join
 * feeds each of them. This is the recursion f_{C+1}(z) = join(f_C(f_C(z)), conv(z)) unrolled. The
 * block ends with a 2×2 max-pool. Keys: {@code doubling.conv.weight}, {@code
 * columns.2.convs.1.conv.weight}, {@code columns.2.convs.1.bn.running_var}.
 */
public final class FractalBlock extends TorchModule {
  private final int width;
  private final boolean poolBeforeLastJoin;
  private final Block doubling;
  private final List<List<ConvUnit>> columns = new ArrayList<>();
  private final Block pool = Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));

  FractalBlock(FractalNetConfig config, int index) {
    width = config.channels().get(index);
    poolBeforeLastJoin = config.poolBeforeLastJoin();
    double rate = config.dropRates().get(index);
    doubling =
        config.blockInput() == FractalNetConfig.BlockInput.PROJECTED
            ? module("doubling", new ConvUnit(width, 1, 0))
            : null;
    List<Block> columnModules = new ArrayList<>();
    for (int c = 0; c < config.columns(); c++) {
      List<ConvUnit> units = new ArrayList<>();
      for (int u = 0; u < config.unitsOf(c); u++) {
        units.add(new ConvUnit(width, 3, rate));
      }
      columns.add(units);
      columnModules.add(new ModuleList("convs", new ModuleList(units)));
    }
    module("columns", new ModuleList(columnModules));
  }

  /** Folds every conv unit's conv + BatchNorm pair for inference. */
  void foldBatchNorm() {
    if (doubling instanceof ConvUnit unit) {
      unit.foldBatchNorm();
    }
    for (List<ConvUnit> column : columns) {
      column.forEach(ConvUnit::foldBatchNorm);
    }
  }

  /**
   * The whole block. {@code drops} combines each join's inputs (null: the plain mean of inference).
   */
  NDArray forward(ParameterStore ps, NDArray x, boolean training, DropPath.JoinRule drops) {
    NDArray z = doubling == null ? x : call(doubling, ps, x, training);
    int count = columns.size();
    int depth = 1 << (count - 1);
    NDArray[] next = new NDArray[count];
    java.util.Arrays.fill(next, z);
    for (int t = 1; t <= depth; t++) {
      List<NDArray> outs = new ArrayList<>();
      List<Integer> ending = new ArrayList<>();
      for (int c = count - 1; c >= 0; c--) {
        int span = 1 << (count - 1 - c);
        if (t % span == 0) {
          ending.add(c);
          List<ConvUnit> units = columns.get(c);
          // A column without units is an identity short path: its output is its input.
          outs.add(
              units.isEmpty() ? next[c] : call(units.get(t / span - 1), ps, next[c], training));
        }
      }
      if (t == depth) {
        if (poolBeforeLastJoin) {
          outs.replaceAll(o -> call(pool, ps, o, training));
          return join(outs, ending, drops);
        }
        return call(pool, ps, join(outs, ending, drops), training);
      }
      NDArray joined = join(outs, ending, drops);
      for (int c : ending) {
        next[c] = joined;
      }
    }
    throw new IllegalStateException("unreachable");
  }

  /** Column {@code c} alone: what the block computes when global drop-path picks that column. */
  NDArray forwardColumn(ParameterStore ps, NDArray x, boolean training, int c) {
    NDArray z = doubling == null ? x : call(doubling, ps, x, training);
    for (ConvUnit unit : columns.get(c)) {
      z = call(unit, ps, z, training);
    }
    return call(pool, ps, z, training);
  }

  private static NDArray join(
      List<NDArray> inputs, List<Integer> columns, DropPath.JoinRule drops) {
    return drops == null ? DropPath.mean(inputs) : drops.join(inputs, columns);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    return new NDList(forward(ps, inputs.singletonOrThrow(), training, null));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    Shape[] z = inputs;
    if (doubling != null) {
      z = initializeChain(manager, dataType, inputs, doubling);
    }
    Shape[] joined = {new Shape(z[0].get(0), width, z[0].get(2), z[0].get(3))};
    for (List<ConvUnit> column : columns) {
      for (int u = 0; u < column.size(); u++) {
        column.get(u).initialize(manager, dataType, u == 0 ? z : joined);
      }
    }
    pool.initialize(manager, dataType, joined);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape s = inputs[0];
    return new Shape[] {new Shape(s.get(0), width, s.get(2) / 2, s.get(3) / 2)};
  }
}
