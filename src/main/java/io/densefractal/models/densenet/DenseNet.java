package io.densefractal.models.densenet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.densefractal.recompute.AppendingSegment;
import io.densefractal.recompute.BatchStatistics;
import io.densefractal.models.Layers;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.NamedSequential;
import io.densefractal.models.RegularizedNetwork;
import io.densefractal.models.Scoped;
import io.densefractal.recompute.Segment;
import io.densefractal.recompute.SegmentedNetwork;
import io.densefractal.recompute.StatisticsReusingSegment;
import io.densefractal.models.TorchModule;
import io.densefractal.recompute.TwoPhaseSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * DenseNet laid out as torchvision's {@code DenseNet}:
 *
 * <pre>
 * features: conv0 ─ [norm0 ─ relu0 ─ pool0] ─ denseblock1 ─ transition1 ─ … ─ denseblockN ─ norm5
 * then ReLU ─ global average pool ─ classifier
 * </pre>
 *
 * (the bracketed part is the ImageNet stem; CIFAR models start with a single 3×3 conv0). Keys are
 * torchvision's: {@code features.denseblock1.denselayer1.norm1.weight}, {@code
 * features.transition1.conv.weight}, {@code features.norm5.bias}, {@code classifier.weight}.
 */
public final class DenseNet extends TorchModule implements SegmentedNetwork, RegularizedNetwork {
  private static final String FEATURES = "features";
  private final DenseNetConfig config;
  private final MemoryFormat memoryFormat;
  private final NamedSequential features;
  private final List<Block> stem = new ArrayList<>();
  private final List<String> stemNames = new ArrayList<>();
  private final List<DenseBlock> denseBlocks = new ArrayList<>();
  private final List<Transition> transitions = new ArrayList<>();
  private final Block norm5;
  private final Block pool;
  private final Block classifier;

  public DenseNet(DenseNetConfig config) {
    this(config, MemoryFormat.AUTO);
  }

  public DenseNet(DenseNetConfig config, MemoryFormat memoryFormat) {
    this.config = config;
    this.memoryFormat = memoryFormat;
    features = new NamedSequential();
    List<Pair<String, Block>> stemLayers = new ArrayList<>();
    int channels = config.initFeatures();
    if (config.stem() == DenseNetConfig.Stem.IMAGENET) {
      stemLayers.add(new Pair<>("conv0", Layers.fanIn(Layers.conv(channels, 7, 2, 3, 1))));
      stemLayers.add(new Pair<>("norm0", Layers.batchNorm()));
      stemLayers.add(new Pair<>("relu0", Activation.reluBlock()));
      stemLayers.add(
          new Pair<>(
              "pool0", Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1))));
    } else {
      stemLayers.add(new Pair<>("conv0", Layers.fanIn(Layers.conv(channels, 3, 1, 1, 1))));
    }
    for (Pair<String, Block> layer : stemLayers) {
      features.add(layer.getKey(), layer.getValue());
      stem.add(layer.getValue());
      stemNames.add(FEATURES + "." + layer.getKey());
    }
    int n = config.blocks().size();
    for (int i = 0; i < n; i++) {
      int layers = config.blocks().get(i);
      DenseBlock block =
          new DenseBlock(layers, config.growthRate(), config.bottleneckWidth(), config.dropRate());
      denseBlocks.add(block);
      features.add("denseblock" + (i + 1), block);
      channels += layers * config.growthRate();
      if (i < n - 1) {
        int out = config.compressed(channels);
        Transition transition = new Transition(out);
        transitions.add(transition);
        features.add("transition" + (i + 1), transition);
        channels = out;
      }
    }
    norm5 = Layers.batchNorm();
    features.add("norm5", norm5);
    module(FEATURES, features);
    pool = Pool.globalAvgPool2dBlock();
    classifier = module("classifier", Layers.linear(channels, config.numClasses()));
    // torchvision: nn.init.constant_(classifier.bias, 0)
    classifier.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
  }

  /** This network without dropout (a DenseNet's only training-time regularisation). */
  @Override
  public DenseNet withoutRegularization() {
    return new DenseNet(config.toBuilder().dropRate(0).build(), memoryFormat);
  }

  public DenseNetConfig config() {
    return config;
  }

  /**
   * The forward pass at the granularity memory-efficient training needs: the stem, then one segment
   * per dense layer (state = the block's feature maps so far; the segment appends the layer's k new
   * channels), then each transition (or, after the last block, norm5 and the classifier). Only the
   * feature maps themselves are kept between segments: linear, not quadratic, in depth.
   */
  @Override
  public List<Segment> segments() {
    List<Segment> out = new ArrayList<>();
    out.add(
        (ps, state, training) -> {
          NDArray x = memoryFormat.apply(state.singletonOrThrow(), training);
          for (Block layer : stem) {
            x = call(layer, ps, x, training);
          }
          return new NDList(x);
        });
    for (int b = 0; b < denseBlocks.size(); b++) {
      for (Block layer : denseBlocks.get(b).layers()) {
        out.add(segmentOf((DenseLayer) layer));
      }
      if (b < transitions.size()) {
        out.add(new TransitionSegment(transitions.get(b)));
      } else {
        out.add(
            (ps, state, training) ->
                new NDList(
                    head(ps, call(norm5, ps, NDArrays.concat(state, 1), training), training)));
      }
    }
    return out;
  }

  private static AppendingSegment segmentOf(DenseLayer layer) {
    return layer.hasBottleneck() ? new BottleneckLayerSegment(layer) : new LayerSegment(layer);
  }

  /**
   * A dense layer: it appends its k new channels to the block's maps. Its first step concatenates
   * its state, so a pre-concatenated state is the same, and its first BatchNorm can take the maps'
   * batch statistics.
   */
  private static class LayerSegment implements AppendingSegment, StatisticsReusingSegment {
    final DenseLayer layer;

    LayerSegment(DenseLayer layer) {
      this.layer = layer;
    }

    @Override
    public NDArray compute(ParameterStore ps, NDList state, boolean training) {
      return layer.forward(ps, state, training).singletonOrThrow();
    }

    @Override
    public NDList forward(ParameterStore ps, NDList state, BatchStatistics stateStatistics) {
      NDList next = new NDList(state);
      next.add(layer.forward(ps, state, stateStatistics));
      return next;
    }

    @Override
    public Block stateNorm() {
      return layer.inputNorm();
    }

    @Override
    public boolean concatenatesState() {
      return true;
    }
  }

  /**
   * A bottleneck layer can recompute only concat + BN + ReLU + 1×1 (as torchvision's
   * memory_efficient does) and keep the 3×3 unit's graph.
   */
  private static final class BottleneckLayerSegment extends LayerSegment
      implements TwoPhaseSegment {
    BottleneckLayerSegment(DenseLayer layer) {
      super(layer);
    }

    @Override
    public NDArray first(ParameterStore ps, NDList state, boolean training) {
      return layer.firstUnit(ps, state, training);
    }

    @Override
    public NDArray second(ParameterStore ps, NDArray bottleneck, boolean training) {
      return layer.secondUnit(ps, bottleneck, training);
    }
  }

  /** A transition: it replaces the block's maps by their compressed, pooled concatenation. */
  private record TransitionSegment(Transition transition) implements StatisticsReusingSegment {
    @Override
    public NDList forward(ParameterStore ps, NDList state, boolean training) {
      return new NDList(call(transition, ps, NDArrays.concat(state, 1), training));
    }

    @Override
    public NDList forward(ParameterStore ps, NDList state, BatchStatistics stateStatistics) {
      return new NDList(transition.forward(ps, NDArrays.concat(state, 1), stateStatistics));
    }

    @Override
    public Block stateNorm() {
      return transition.inputNorm();
    }
  }

  /** Stem output, every dense layer's k new channels, every transition's output, the logits. */
  @Override
  public long[] keptElements(Shape input) {
    List<Long> kept = new ArrayList<>();
    Shape[] x = chainShapes(new Shape[] {input}, stem.toArray(new Block[0]));
    kept.add(x[0].size());
    for (int b = 0; b < denseBlocks.size(); b++) {
      for (Block layer : denseBlocks.get(b).layers()) {
        Shape added = layer.getOutputShapes(x)[0];
        kept.add(added.size());
        x = new Shape[] {DenseLayer.concatenated(new Shape[] {x[0], added})};
      }
      if (b < transitions.size()) {
        x = transitions.get(b).getOutputShapes(x);
        kept.add(x[0].size());
      } else {
        kept.add(input.get(0) * config.numClasses()); // the logits
      }
    }
    return kept.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public List<List<String>> segmentLayerPrefixes() {
    List<List<String>> prefixes = new ArrayList<>();
    prefixes.add(List.copyOf(stemNames));
    for (int b = 0; b < denseBlocks.size(); b++) {
      String block = FEATURES + ".denseblock" + (b + 1);
      for (int i = 1; i <= denseBlocks.get(b).layers().size(); i++) {
        prefixes.add(List.of(block + ".denselayer" + i));
      }
      prefixes.add(
          b < transitions.size()
              ? List.of(FEATURES + ".transition" + (b + 1))
              : List.of(FEATURES + ".norm5", "classifier"));
    }
    return prefixes;
  }

  @Override
  public long[] segmentInputElements(Shape input) {
    List<Long> sizes = new ArrayList<>();
    sizes.add(input.size()); // the stem's
    Shape[] x = chainShapes(new Shape[] {input}, stem.toArray(new Block[0]));
    for (int b = 0; b < denseBlocks.size(); b++) {
      long state = x[0].size();
      for (Block layer : denseBlocks.get(b).layers()) {
        sizes.add(state); // every map so far
        Shape added = layer.getOutputShapes(x)[0];
        state += added.size();
        x = new Shape[] {DenseLayer.concatenated(new Shape[] {x[0], added})};
      }
      sizes.add(state); // the transition's, or norm5 and the head's
      if (b < transitions.size()) {
        x = transitions.get(b).getOutputShapes(x);
      }
    }
    return sizes.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public boolean isStochastic() {
    return config.dropRate() > 0;
  }

  private NDArray head(ParameterStore ps, NDArray features, boolean training) {
    return call(classifier, ps, call(pool, ps, Activation.relu(features), training), training);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x =
        callScoped(features, ps, memoryFormat.apply(inputs.singletonOrThrow(), training), training);
    x = Scoped.apply(x, in -> head(ps, in, training));
    return new NDList(x);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, features, pool, classifier);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, features, pool, classifier);
  }
}
