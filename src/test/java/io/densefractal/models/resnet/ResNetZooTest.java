package io.densefractal.models.resnet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameter counts equal torchvision's exactly; MACs equal torchvision's published GFLOPS. */
class ResNetZooTest {

  @ParameterizedTest(name = "{0}: {1} params, {2} GMACs")
  @CsvSource({
    "resnet18, 11689512, 1.814",
    "resnet34, 21797672, 3.664",
    "resnet50, 25557032, 4.089",
    "resnet101, 44549160, 7.801",
    "resnet152, 60192808, 11.514",
    "resnext50_32x4d, 25028904, 4.230",
    "resnext101_32x8d, 88791336, 16.414",
    "resnext101_64x4d, 83455272, 15.460",
    "wide_resnet50_2, 68883240, 11.398",
    "wide_resnet101_2, 126886696, 22.753",
  })
  void imagenetModelsMatchTorchvision(String name, long params, double gmacs) {
    ModelSpec spec = ModelZoo.get(name);
    ModelSummary s = ModelSummary.of(spec, spec.defaults(), 224);
    assertThat(s.params()).isEqualTo(params);
    assertThat(s.macs() / 1e9).isCloseTo(gmacs, within(0.0005));
  }

  @ParameterizedTest(name = "{0}: {1} params")
  @CsvSource({
    "resnet20_cifar, 269722",
    "resnet32_cifar, 464154",
    "resnet44_cifar, 658586",
    "resnet56_cifar, 853018",
    "resnet110_cifar, 1727962",
  })
  void cifarModelsMatchHeEtAl(String name, long params) {
    ModelSpec spec = ModelZoo.get(name);
    assertThat(ModelSummary.of(spec, spec.defaults(), 32).params()).isEqualTo(params);
  }
}
