package io.densefractal.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.recompute.SegmentedNetwork;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The activation-memory columns show DenseNet's quadratic growth and the linear fix. */
class ActivationMemoryTest {

  static ModelSummary summary(String name) {
    ModelSpec spec = ModelZoo.get(name);
    return ModelSummary.of(spec, spec.defaults(), spec.inputSize());
  }

  @Test
  void denseNetKeepsQuadraticMemoryAndTheEfficientModeLinear() {
    // DenseNet-BC k=12 with 16, 31, 46 and 61 layers per block: equal depth steps.
    ModelSummary d100 = summary("densenet_bc100_k12");
    ModelSummary d190 = summary("densenet_bc190_k12");
    ModelSummary d280 = summary("densenet_bc280_k12");
    ModelSummary d370 = summary("densenet_bc370_k12");
    double standardFirst = d190.activationBytes() - d100.activationBytes();
    double standardThird = d370.activationBytes() - d280.activationBytes();
    double[] efficient = {
      d190.memoryEfficientBytes() - d100.memoryEfficientBytes(),
      d280.memoryEfficientBytes() - d190.memoryEfficientBytes(),
      d370.memoryEfficientBytes() - d280.memoryEfficientBytes()
    };
    // Quadratic: the standard increments grow in proportion (≈ 1 : 1.5 : 2). Linear: the
    // efficient ones stay level, up to the jitter of the tail that keeps its graph taking whole
    // layers.
    assertThat(standardThird / standardFirst).isGreaterThan(1.8);
    String increments = Arrays.toString(efficient);
    assertThat((efficient[1] + efficient[2]) / 2 / efficient[0]).as(increments).isLessThan(1.35);
    assertThat(efficient[2] / efficient[0]).as(increments).isLessThan(1.35);
    assertThat(d190.memoryEfficientBytes()).isLessThan(d190.activationBytes() / 5);
  }

  @Test
  void theEfficientFigureCountsTheStatesAndTheTailGraph() {
    for (String name : List.of("densenet_bc100_k12", "densenet121")) {
      ModelSpec spec = ModelZoo.get(name);
      SegmentedNetwork net = SegmentedNetwork.of(spec.create(spec.defaults())).orElseThrow();
      Shape input = new Shape(1, 3, spec.inputSize(), spec.inputSize());
      ModelSummary s = summary(name);
      // Every layer row belongs to exactly one segment.
      List<List<String>> prefixes = net.segmentLayerPrefixes();
      assertThat(prefixes).hasSameSizeAs(net.segments());
      for (LayerSummary l : s.layers()) {
        long owners =
            prefixes.stream()
                .filter(
                    p ->
                        p.stream()
                            .anyMatch(q -> l.name().equals(q) || l.name().startsWith(q + ".")))
                .count();
        assertThat(owners).as(l.name()).isEqualTo(1);
      }
      // More than the states alone (the tail keeps its graph), far less than standard training.
      long states = LongStream.of(net.keptElements(input)).sum() * Float.BYTES;
      assertThat(s.memoryEfficientBytes())
          .isGreaterThan(states)
          .isLessThan(s.activationBytes() / 2);
    }
  }

  @Test
  void layersReportWhatTheyKeep() {
    ModelSummary r = summary("resnet20_cifar");
    LayerSummary conv1 = r.layers().get(0);
    assertThat(conv1.name()).isEqualTo("conv1");
    assertThat(conv1.savedBytes()).isEqualTo(3 * 32 * 32 * 4); // its input image
    assertThat(r.memoryEfficientBytes()).isEqualTo(-1); // ResNets have no such mode
    assertThat(r.totals()).contains("activations kept for backward");
  }
}
