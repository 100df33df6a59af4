package io.densefractal.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopKTest {
  @Test
  void softmaxRowsSumToOneAndKeepOrder() {
    float[] p = TopK.softmax(new float[] {1, 2, 3, 1000, 0, -1000}, 3);
    assertThat(p[0] + p[1] + p[2]).isCloseTo(1f, within(1e-6f));
    assertThat(p[2]).isGreaterThan(p[1]).isGreaterThan(p[0]);
    // exp(2)/(1+e+e^2) computed by hand: 0.66524096
    assertThat(p[2]).isCloseTo(0.66524096f, within(1e-6f));
    assertThat(p[3]).isEqualTo(1f); // no overflow for large logits
    assertThat(p[5]).isZero();
  }

  @Test
  void topKNamesTheMostProbableFirst() {
    List<List<ClassScore>> top =
        TopK.of(new float[] {0, 5, 1, 9, 0, 0}, List.of("cat", "dog", "owl"), 2);
    assertThat(top).hasSize(2);
    assertThat(top.get(0)).extracting(ClassScore::name).containsExactly("dog", "owl");
    assertThat(top.get(1)).extracting(ClassScore::index).containsExactly(0, 1);
    assertThat(TopK.of(new float[] {1, 2}, List.of("a", "b"), 9).get(0)).hasSize(2);
  }

  @Test
  void refusesMisshapenInput() {
    assertThatThrownBy(() -> TopK.softmax(new float[5], 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopK.of(new float[3], List.of("a", "b", "c"), 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
