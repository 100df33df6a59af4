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
import ai.djl.util.PairList;
import io.densefractal.models.Layers;
import io.densefractal.models.NamedSequential;
import io.densefractal.models.Scoped;
import io.densefractal.models.TorchModule;

/**
 * DenseNet laid out as torchvision's {@code DenseNet}:
 *
 * <pre>
 * features: conv0 ─ [norm0 ─ relu0 ─ pool0] ─ denseblock1 ─ transition1 ─ … ─ denseblockN ─ norm5
 * then ReLU ─ global average pool ─ classifier
 * </pre>
 *
 * (the bracketed part is the ImageNet stem; CIFAR models start with a single 3×3 conv0). Keys are
 * torchvision's: {@code features.denseblock1.denselayer1.norm1.weight},
 * {@code features.transition1.conv.weight}, {@code features.norm5.bias}, {@code classifier.weight}.
 */
public final class DenseNet extends TorchModule {
  private final DenseNetConfig config;
  private final NamedSequential features;
  private final Block pool;
  private final Block classifier;

  public DenseNet(DenseNetConfig config) {
    this.config = config;
    features = new NamedSequential();
    int channels = config.initFeatures();
    if (config.stem() == DenseNetConfig.Stem.IMAGENET) {
      features
          .add("conv0", Layers.fanIn(Layers.conv(channels, 7, 2, 3, 1)))
          .add("norm0", Layers.batchNorm())
          .add("relu0", Activation.reluBlock())
          .add("pool0", Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
    } else {
      features.add("conv0", Layers.fanIn(Layers.conv(channels, 3, 1, 1, 1)));
    }
    int n = config.blocks().size();
    for (int i = 0; i < n; i++) {
      int layers = config.blocks().get(i);
      features.add(
          "denseblock" + (i + 1),
          new DenseBlock(layers, config.growthRate(), config.bottleneckWidth(), config.dropRate()));
      channels += layers * config.growthRate();
      if (i < n - 1) {
        int out = config.compressed(channels);
        features.add("transition" + (i + 1), new Transition(out));
        channels = out;
      }
    }
    features.add("norm5", Layers.batchNorm());
    module("features", features);
    pool = Pool.globalAvgPool2dBlock();
    classifier = module("classifier", Layers.linear(channels, config.numClasses()));
    // torchvision: nn.init.constant_(classifier.bias, 0)
    classifier.setInitializer(Initializer.ZEROS, Parameter.Type.BIAS);
  }

  public DenseNetConfig config() {
    return config;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = callScoped(features, ps, inputs.singletonOrThrow(), training);
    x = Scoped.apply(x, in -> call(classifier, ps, call(pool, ps, Activation.relu(in), training), training));
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
