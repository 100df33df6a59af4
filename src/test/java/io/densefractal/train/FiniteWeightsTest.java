package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import org.junit.jupiter.api.Test;

class FiniteWeightsTest {
  @Test
  void namesTheFirstTensorWithNaNOrInfinity() {
    StateDict sd = new StateDict();
    sd.put("conv.weight", Tensor.ofFloats(new long[] {2}, new float[] {1, 2}));
    sd.put("bn.num_batches_tracked", Tensor.ofLongs(new long[] {1}, new long[] {3}));
    assertThat(FiniteWeights.firstNonFinite(sd)).isNull();
    sd.put("fc.weight", Tensor.ofFloats(new long[] {2}, new float[] {0, Float.NaN}));
    assertThat(FiniteWeights.firstNonFinite(sd)).isEqualTo("fc.weight");
    StateDict inf = new StateDict();
    inf.put("fc.bias", Tensor.ofFloats(new long[] {1}, new float[] {Float.NEGATIVE_INFINITY}));
    assertThat(FiniteWeights.firstNonFinite(inf)).isEqualTo("fc.bias");
  }
}
