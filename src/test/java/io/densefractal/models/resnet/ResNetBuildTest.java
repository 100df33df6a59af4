package io.densefractal.models.resnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.block.TorchKeys;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Configuration checks, options and initialisation of the ResNet builder. */
class ResNetBuildTest {

  @Test
  void invalidConfigurationsSayWhatToChange() {
    assertThatThrownBy(() -> ResNets.cifar(21))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("6n+2");
    assertThatThrownBy(() -> ResNets.basic(2, 2, 2, 2).groups(32).build())
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Bottleneck");
    assertThatThrownBy(() -> ResNets.basic(2, 0, 2, 2).build())
        .hasMessageContaining("at least one block");
    assertThatThrownBy(() -> ResNets.basic(2, 2, 2).build()).hasMessageContaining("same length");
    assertThatThrownBy(() -> ResNets.cifar(20).stageWidths(List.of(64, 32, 16)).build())
        .hasMessageContaining("only widen");
    assertThatThrownBy(() -> ResNets.cifar(20).numClasses(0).build())
        .hasMessageContaining("numClasses");
    assertThatThrownBy(() -> ModelZoo.get("resnet51")).hasMessageContaining("known models");
  }

  @Test
  void includeTopFalseReturnsTheUnpooledFeatureMap() {
    ResNet net = new ResNet(ResNets.bottleneck(1, 64, 3, 4, 6, 3).includeTop(false).build());
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 96));
      NDArray out =
          net.forward(
                  new ParameterStore(m, false), new NDList(m.ones(new Shape(2, 3, 64, 96))), false)
              .singletonOrThrow();
      assertThat(out.getShape()).isEqualTo(new Shape(2, 2048, 2, 3));
      assertThat(net.getOutputShapes(new Shape[] {new Shape(2, 3, 64, 96)})[0])
          .isEqualTo(out.getShape());
      assertThat(TorchKeys.parameters(net).keySet()).noneMatch(k -> k.startsWith("fc."));
    }
  }

  @Test
  void initialisationFollowsTorchvision() {
    Engine.getInstance().setRandomSeed(1);
    ResNet net = new ResNet(ResNets.basic(2, 2, 2, 2).zeroInitResidual(true).build());
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      Map<String, Parameter> p = TorchKeys.parameters(net);
      // kaiming-normal, fan_out: layer4.0.conv2 is 512x512x3x3, std = sqrt(2 / (512 * 9)).
      NDArray w = p.get("layer4.0.conv2.weight").getArray();
      double std = Math.sqrt(w.pow(2).mean().getFloat());
      assertThat(std)
          .isBetween(0.98 * Math.sqrt(2.0 / (512 * 9)), 1.02 * Math.sqrt(2.0 / (512 * 9)));
      // zeroInitResidual: each block's last BatchNorm starts at gamma 0; the others at 1.
      assertThat(p.get("layer1.0.bn2.weight").getArray().abs().max().getFloat()).isZero();
      assertThat(p.get("layer1.0.bn1.weight").getArray().min().getFloat()).isEqualTo(1f);
      // nn.Linear default: uniform within 1/sqrt(512).
      float bound = (float) (1 / Math.sqrt(512));
      assertThat(p.get("fc.weight").getArray().abs().max().getFloat()).isLessThanOrEqualTo(bound);
      assertThat(p.get("fc.weight").getArray().abs().max().getFloat()).isGreaterThan(0.9f * bound);
    }
  }

  @Test
  void keysFollowTorchvisionNamesAndOrder() {
    ResNet net = new ResNet(ResNets.bottleneck(1, 64, 1, 1, 1, 1).build());
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
      List<String> keys = List.copyOf(TorchKeys.parameters(net).keySet());
      assertThat(keys.subList(0, 6))
          .containsExactly(
              "conv1.weight",
              "bn1.weight",
              "bn1.bias",
              "bn1.running_mean",
              "bn1.running_var",
              "layer1.0.conv1.weight");
      assertThat(keys)
          .contains("layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var");
      assertThat(keys.subList(keys.size() - 2, keys.size()))
          .containsExactly("fc.weight", "fc.bias");
    }
  }
}
