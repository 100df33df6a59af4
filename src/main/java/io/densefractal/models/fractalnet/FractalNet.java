package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.BatchNormFolding;
import io.densefractal.models.ConfigException;
import io.densefractal.models.FeatureNetwork;
import io.densefractal.models.Layers;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.RegularizedNetwork;
import io.densefractal.models.Scoped;
import io.densefractal.models.TorchModule;
import java.util.ArrayList;
import java.util.List;

/**
 * FractalNet: B fractal blocks (each ending in a 2×2 max-pool), global average pooling, a linear
 * classifier. Training uses drop-path, per mini-batch: with probability globalFraction one column
 * chosen at random runs alone through every block (global); otherwise every join drops each input
 * with probability localDrop, keeping at least one (local). Inference joins by the plain mean.
 * Keys: {@code blocks.0.columns.2.convs.1.conv.weight}, {@code classifier.weight}.
 */
public final class FractalNet extends TorchModule
    implements AnytimeNetwork, BatchNormFolding, RegularizedNetwork, FeatureNetwork {
  private final FractalNetConfig config;
  private final MemoryFormat memoryFormat;
  private final List<FractalBlock> blocks = new ArrayList<>();
  private final Block pool = Pool.globalAvgPool2dBlock();
  private final Block classifier;

  public FractalNet(FractalNetConfig config) {
    this(config, MemoryFormat.AUTO);
  }

  public FractalNet(FractalNetConfig config, MemoryFormat memoryFormat) {
    this.config = config;
    this.memoryFormat = memoryFormat;
    for (int b = 0; b < config.blocks(); b++) {
      blocks.add(new FractalBlock(config, b));
    }
    module("blocks", new ModuleList(blocks));
    int last = config.channels().get(config.blocks() - 1);
    classifier = module("classifier", Layers.linear(last, config.numClasses()));
  }

  /** Folds every conv + BatchNorm pair for inference; training unfolds them again. */
  @Override
  public void foldBatchNorm() {
    blocks.forEach(FractalBlock::foldBatchNorm);
  }

  @Override
  public FractalNet withoutRegularization() {
    return new FractalNet(config.withoutRegularization(), memoryFormat);
  }

  public FractalNetConfig config() {
    return config;
  }

  /**
   * Column {@code i} (1-based: column 1 is the shallowest, one conv unit per block; column C the
   * deepest) as a standalone network sharing this network's weights: it computes exactly what this
   * network computes when global drop-path selects that column.
   */
  @Override
  public Block column(int i) {
    if (i < 1 || i > config.columns()) {
      throw new ConfigException(
          "column must be in 1.." + config.columns() + " (1 = shallowest), got " + i);
    }
    return new Column(i - 1);
  }

  @Override
  public int columns() {
    return config.columns();
  }

  @Override
  public List<String> columnLayerPrefixes(int i) {
    column(i); // validates i
    List<String> prefixes = new ArrayList<>();
    for (int b = 0; b < blocks.size(); b++) {
      prefixes.add("blocks." + b + ".doubling.");
      prefixes.add("blocks." + b + ".columns." + (i - 1) + ".");
    }
    prefixes.add("classifier");
    return prefixes;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    if (training && (config.globalFraction() > 0 || config.localDrop() > 0)) {
      NDManager m = x.getManager();
      if (config.perSampleGlobal()) {
        int[] plan =
            DropPath.perSamplePlan(
                m, (int) x.getShape().get(0), config.globalFraction(), config.columns());
        return new NDList(
            forwardAll(ps, x, training, DropPath.perSample(m, plan, config.localDrop())));
      }
      DropPath.Plan plan = DropPath.plan(m, config.globalFraction(), config.columns());
      if (plan.isGlobal()) {
        return new NDList(forwardColumn(ps, x, training, plan.globalColumn()));
      }
      DropPath.JoinRule drops =
          config.localDrop() > 0
              ? DropPath.batchMasks(DropPath.local(m, config.localDrop()))
              : null;
      return new NDList(forwardAll(ps, x, training, drops));
    }
    return new NDList(forwardAll(ps, x, training, null));
  }

  /** Every column, joined; {@code drops} chooses each join's inputs (null: all, the mean). */
  NDArray forwardAll(ParameterStore ps, NDArray x, boolean training, DropPath.JoinRule drops) {
    return head(ps, trunk(ps, x, training, drops), training);
  }

  NDArray forwardColumn(ParameterStore ps, NDArray x, boolean training, int column) {
    return head(ps, columnTrunk(ps, x, training, column), training);
  }

  /** The last block's output (every column joined), before pooling. */
  @Override
  public NDArray features(ParameterStore ps, NDArray x) {
    return trunk(ps, x, false, null);
  }

  @Override
  public int featureChannels() {
    return config.channels().get(config.blocks() - 1);
  }

  private NDArray trunk(ParameterStore ps, NDArray x, boolean training, DropPath.JoinRule drops) {
    x = memoryFormat.apply(x, training);
    for (FractalBlock block : blocks) {
      x = Scoped.apply(x, in -> block.forward(ps, in, training, drops));
    }
    return x;
  }

  private NDArray columnTrunk(ParameterStore ps, NDArray x, boolean training, int column) {
    x = memoryFormat.apply(x, training);
    for (FractalBlock block : blocks) {
      x = Scoped.apply(x, in -> block.forwardColumn(ps, in, training, column));
    }
    return x;
  }

  private NDArray head(ParameterStore ps, NDArray x, boolean training) {
    return Scoped.apply(x, in -> call(classifier, ps, call(pool, ps, in, training), training));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    Shape[] s = initializeChain(manager, dataType, inputs, blocks.toArray(new Block[0]));
    initializeChain(manager, dataType, s, pool, classifier);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    Shape[] s = chainShapes(inputs, blocks.toArray(new Block[0]));
    return chainShapes(s, pool, classifier);
  }

  /** One column of the network as a Block (weights shared, not copied). */
  private final class Column extends AbstractBlock implements FeatureNetwork {
    private final int column;

    Column(int column) {
      this.column = column;
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      return new NDList(forwardColumn(ps, inputs.singletonOrThrow(), training, column));
    }

    /** The column's last block output, before pooling. */
    @Override
    public NDArray features(ParameterStore ps, NDArray x) {
      return columnTrunk(ps, x, false, column);
    }

    @Override
    public int featureChannels() {
      return FractalNet.this.featureChannels();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputs) {
      return FractalNet.this.getOutputShapes(inputs);
    }
  }
}
