package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RecipeTest {
  @Test
  void fractalNetRateDropsEachTimeTheRemainingEpochsHalve() {
    Recipe r = Recipe.fractalnet(400);
    assertThat(r.milestones()).containsExactly(200, 300, 350, 375);
    assertThat(r.batchSize()).isEqualTo(100);
    assertThat(r.momentum()).isEqualTo(0.9);
    assertThat(r.learningRate(0)).isEqualTo(0.02);
    assertThat(r.learningRate(199)).isEqualTo(0.02);
    assertThat(r.learningRate(200)).isCloseTo(0.002, within(1e-12));
    assertThat(r.learningRate(349)).isCloseTo(0.0002, within(1e-12));
    assertThat(r.learningRate(399)).isCloseTo(0.000002, within(1e-12));
  }
}
