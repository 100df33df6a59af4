package io.densefractal.models.densenet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameter counts: torchvision's exactly, the paper's Table 2 to its rounding; MACs. */
class DenseNetZooTest {

  @ParameterizedTest(name = "{0}: {1} params, {2} GMACs")
  @CsvSource({
    "densenet121, 7978856, 2.834",
    "densenet161, 28681000, 7.728",
    "densenet169, 14149480, 3.360",
    "densenet201, 20013928, 4.291",
  })
  void imagenetModelsMatchTorchvision(String name, long params, double gmacs) {
    ModelSpec spec = ModelZoo.get(name);
    ModelSummary s = ModelSummary.of(spec, spec.defaults(), 224);
    assertThat(s.params()).isEqualTo(params);
    assertThat(s.macs() / 1e9).isCloseTo(gmacs, within(0.0005));
  }

  @ParameterizedTest(name = "{0}: {1} M params (paper)")
  @CsvSource({
    "densenet40_k12, 1.0",
    "densenet100_k12, 7.0",
    "densenet100_k24, 27.2",
    "densenet_bc100_k12, 0.8",
    "densenet_bc250_k24, 15.3",
    "densenet_bc190_k40, 25.6",
  })
  void cifarModelsMatchThePaper(String name, double millions) {
    ModelSpec spec = ModelZoo.get(name);
    long params = ModelSummary.of(spec, spec.defaults(), 32).params();
    assertThat(Math.round(params / 1e5) / 10.0).isEqualTo(millions);
  }

  @Test
  void invalidConfigurationsSayWhatToChange() {
    assertThatThrownBy(() -> DenseNets.cifar(101, 12, true))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("6n+4");
    assertThatThrownBy(() -> DenseNets.cifar(41, 12, false)).hasMessageContaining("3n+4");
    assertThatThrownBy(() -> DenseNets.cifar(40, 0, false).build())
        .hasMessageContaining("growth rate");
    assertThatThrownBy(() -> DenseNets.cifar(100, 12, true).compression(0).build())
        .hasMessageContaining("compression");
    assertThatThrownBy(() -> DenseNets.cifar(100, 12, true).compression(1.5).build())
        .hasMessageContaining("compression");
    assertThatThrownBy(() -> DenseNets.cifar(40, 12, false).dropRate(1).build())
        .hasMessageContaining("dropRate");
    assertThatThrownBy(() -> DenseNetConfig.builder().blocks(List.of(6, 0)).build())
        .hasMessageContaining("at least one layer");
  }
}
