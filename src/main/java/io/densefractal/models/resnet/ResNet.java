package io.densefractal.models.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.BatchNormFolding;
import io.densefractal.models.ConvBn;
import io.densefractal.models.FeatureNetwork;
import io.densefractal.models.Layers;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.NamedSequential;
import io.densefractal.models.Scoped;
import io.densefractal.models.TorchModule;
import java.util.ArrayList;
import java.util.List;

/**
 * ResNet / ResNeXt / Wide ResNet, laid out as torchvision's {@code ResNet}:
 *
 * <pre>
 * conv1 ─ bn1 ─ relu ─ [maxpool] ─ layer1 … layerN ─ avgpool ─ fc
 * </pre>
 *
 * Children carry torchvision's attribute names, so parameters map to its state-dict keys ({@code
 * layer1.0.conv1.weight}, {@code layer2.0.downsample.0.weight}, {@code fc.bias}).
 */
public final class ResNet extends TorchModule implements BatchNormFolding, FeatureNetwork {
  private final ResNetConfig config;
  private final Block conv1;
  private final Block bn1;
  private final Block maxpool;
  private final List<Block> stages = new ArrayList<>();
  private final Block avgpool;
  private final Block fc;
  private final ConvBn stem;
  private final MemoryFormat memoryFormat;

  public ResNet(ResNetConfig config) {
    this(config, MemoryFormat.AUTO);
  }

  public ResNet(ResNetConfig config, MemoryFormat memoryFormat) {
    this.config = config;
    this.memoryFormat = memoryFormat;
    boolean imagenet = config.stem() == ResNetConfig.Stem.IMAGENET;
    int stemWidth = config.stemWidth();
    conv1 =
        module(
            "conv1",
            imagenet ? Layers.conv(stemWidth, 7, 2, 3, 1) : Layers.conv(stemWidth, 3, 1, 1, 1));
    bn1 = module("bn1", Layers.batchNorm());
    stem = new ConvBn(conv1, bn1);
    maxpool =
        imagenet
            ? module(
                "maxpool", Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
            : null;
    int inChannels = stemWidth;
    for (int s = 0; s < config.layers().size(); s++) {
      int planes = config.stageWidths().get(s);
      int stride = s == 0 ? 1 : 2;
      NamedSequential stage = new NamedSequential();
      for (int b = 0; b < config.layers().get(s); b++) {
        stage.add(residualBlock(inChannels, planes, b == 0 ? stride : 1));
        inChannels = planes * config.block().expansion();
      }
      stages.add(module("layer" + (s + 1), stage));
    }
    if (config.includeTop()) {
      avgpool = module("avgpool", Pool.globalAvgPool2dBlock());
      fc = module("fc", Layers.linear(config.featureChannels(), config.numClasses()));
    } else {
      avgpool = null;
      fc = null;
    }
  }

  private Block residualBlock(int inChannels, int planes, int stride) {
    int outChannels = planes * config.block().expansion();
    Block shortcut = Shortcuts.forBlock(config.shortcut(), inChannels, outChannels, stride);
    return switch (config.block()) {
      case BASIC -> new BasicBlock(planes, stride, shortcut, config.zeroInitResidual());
      case BOTTLENECK ->
          new Bottleneck(
              planes,
              stride,
              config.groups(),
              config.widthPerGroup(),
              shortcut,
              config.zeroInitResidual());
    };
  }

  /** Folds every conv + BatchNorm pair for inference; training unfolds them again. */
  @Override
  public void foldBatchNorm() {
    stem.fold();
    for (Block stage : stages) {
      for (Block block : stage.getChildren().values()) {
        ((ResidualBlock) block).foldBatchNorm();
      }
    }
  }

  public ResNetConfig config() {
    return config;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = trunk(ps, inputs.singletonOrThrow(), training);
    if (fc != null) {
      x = Scoped.apply(x, in -> call(fc, ps, call(avgpool, ps, in, training), training));
    }
    return new NDList(x);
  }

  /** The last stage's output, before pooling. */
  @Override
  public NDArray features(ParameterStore ps, NDArray x) {
    return trunk(ps, x, false);
  }

  @Override
  public int featureChannels() {
    return config.featureChannels();
  }

  /** Stem and stages. */
  private NDArray trunk(ParameterStore ps, NDArray input, boolean training) {
    NDArray x =
        Scoped.apply(
            memoryFormat.apply(input, training),
            in -> {
              NDArray y = Activation.relu(stem.forward(ps, in, training));
              return maxpool == null ? y : call(maxpool, ps, y, training);
            });
    for (Block stage : stages) {
      x = callScoped(stage, ps, x, training);
    }
    return x;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, children.values().toArray(new Block[0]));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, children.values().toArray(new Block[0]));
  }
}
