package io.densefractal.models.densenet;

import ai.djl.ndarray.NDArray;
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
import io.densefractal.models.FeatureNetwork;
import io.densefractal.models.Layers;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.NamedSequential;
import io.densefractal.models.RegularizedNetwork;
import io.densefractal.models.Scoped;
import io.densefractal.models.TorchModule;
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
public final class DenseNet extends TorchModule implements RegularizedNetwork, FeatureNetwork {
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
  private final int featureChannels;

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
    featureChannels = channels;
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

  /** The dense blocks, in order. */
  public List<DenseBlock> denseBlocks() {
    return List.copyOf(denseBlocks);
  }

  /** The transitions between dense blocks, in order (one fewer than the blocks). */
  public List<Transition> transitions() {
    return List.copyOf(transitions);
  }

  /** The state-dict names of the stem's layers ({@code features.conv0}, ...). */
  public List<String> stemNames() {
    return List.copyOf(stemNames);
  }

  /** The stem: the input in the model's memory format, then conv0 (and norm0, relu0, pool0). */
  public NDArray stem(ParameterStore ps, NDArray x, boolean training) {
    NDArray out = memoryFormat.apply(x, training);
    for (Block layer : stem) {
      out = call(layer, ps, out, training);
    }
    return out;
  }

  /** The stem's output shape for an input of shape {@code input}. */
  public Shape stemShape(Shape input) {
    return chainShapes(new Shape[] {input}, stem.toArray(new Block[0]))[0];
  }

  /** After the last dense block: norm5, ReLU, global average pool, classifier. */
  public NDArray classify(ParameterStore ps, NDArray features, boolean training) {
    return head(ps, call(norm5, ps, features, training), training);
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
  public int featureChannels() {
    return featureChannels;
  }

  /** norm5's output after the ReLU: the map the classifier's global pooling reads. */
  @Override
  public NDArray features(ParameterStore ps, NDArray x) {
    NDArray normalized = callScoped(features, ps, memoryFormat.apply(x, false), false);
    return Scoped.apply(normalized, Activation::relu);
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
