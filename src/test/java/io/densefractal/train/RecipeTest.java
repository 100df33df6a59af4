package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.densefractal.models.ConfigException;
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

  @Test
  void papersRecipes() {
    Recipe d = Recipe.named("densenet");
    assertThat(d.epochs()).isEqualTo(300);
    assertThat(d.batchSize()).isEqualTo(64);
    assertThat(d.nesterov()).isTrue();
    assertThat(d.weightDecay()).isEqualTo(1e-4);
    assertThat(d.milestones()).containsExactly(150, 225);
    Recipe r = Recipe.named("resnet-cifar");
    assertThat(r.batchSize()).isEqualTo(128);
    assertThat(r.nesterov()).isFalse();
    assertThat(r.milestones()).containsExactly(82, 123);
    Recipe i = Recipe.named("imagenet");
    assertThat(i.learningRate(29)).isEqualTo(0.1);
    assertThat(i.learningRate(30)).isCloseTo(0.01, within(1e-12));
    assertThat(i.learningRate(89)).isCloseTo(0.001, within(1e-12));
  }

  @Test
  void overridesRescaleMilestones() {
    Recipe d = Recipe.named("densenet").toBuilder().epochs(20).learningRate(0.05).build();
    assertThat(d.milestones()).containsExactly(10, 15);
    assertThat(d.learningRate(9)).isEqualTo(0.05);
    assertThat(d.learningRate(15)).isCloseTo(0.0005, within(1e-12));
  }

  @Test
  void cosineAndWarmupPerStep() {
    Recipe c = Recipe.builder("x", 10, 8, 0.1).schedule("cosine").warmupEpochs(1).build();
    assertThat(c.learningRate(0, 0, 100))
        .isCloseTo(0.1 * 0.5 * (1 + Math.cos(0)) / 100, within(1e-9));
    assertThat(c.learningRate(0, 99, 100)).isLessThanOrEqualTo(0.1);
    assertThat(c.learningRate(5, 0, 100)).isCloseTo(0.05, within(1e-9));
    assertThat(c.learningRate(9, 99, 100)).isLessThan(1e-4);
  }

  @Test
  void clearErrors() {
    assertThatThrownBy(() -> Recipe.named("adam"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("densenet, fractalnet, resnet-cifar, imagenet");
    assertThatThrownBy(() -> Recipe.named("densenet").toBuilder().epochs(0).build())
        .hasMessageContaining("epochs");
    assertThatThrownBy(() -> Recipe.named("densenet").toBuilder().learningRate(Double.NaN).build())
        .hasMessageContaining("--lr");
    assertThatThrownBy(() -> Recipe.named("densenet").toBuilder().schedule("linear"))
        .hasMessageContaining("step, multistep or cosine");
    assertThatThrownBy(
            () -> Recipe.named("fractalnet").toBuilder().nesterov(true).momentum(0).build())
        .hasMessageContaining("Nesterov");
  }

  @Test
  void shortRunsKeepDistinctMilestonesAfterTheFirstEpoch() {
    assertThat(Recipe.fractalnet(3).milestones()).containsExactly(1, 2, 3, 4);
    assertThat(Recipe.fractalnet(3).learningRate(2)).isCloseTo(0.0002, within(1e-12));
    Recipe oneEpoch = Recipe.named("densenet").toBuilder().epochs(1).build();
    assertThat(oneEpoch.learningRate(0)).isEqualTo(0.1);
    assertThat(Recipe.fractalnet(16).milestones()).containsExactly(8, 12, 14, 15);
  }

  @Test
  void milestonesFallPerStepSoThatShortRunsAnnealToo() {
    Recipe oneEpoch = Recipe.named("resnet-cifar").toBuilder().epochs(1).build();
    assertThat(oneEpoch.milestoneSteps(469)).containsExactly(234L, 351L);
    assertThat(oneEpoch.learningRate(0, 233, 469)).isEqualTo(0.1);
    assertThat(oneEpoch.learningRate(0, 234, 469)).isCloseTo(0.01, within(1e-12));
    assertThat(oneEpoch.learningRate(0, 350, 469)).isCloseTo(0.01, within(1e-12));
    assertThat(oneEpoch.learningRate(0, 351, 469)).isCloseTo(0.001, within(1e-12));
    // Mid-epoch when f x epochs is not whole: 3 epochs, 50 % = halfway through epoch 1.
    Recipe three = Recipe.named("densenet").toBuilder().epochs(3).build();
    assertThat(three.learningRate(1, 49, 100)).isEqualTo(0.1);
    assertThat(three.learningRate(1, 50, 100)).isCloseTo(0.01, within(1e-12));
  }

  @Test
  void papersRecipesDropAtTheStartOfTheirMilestoneEpochsPerStepToo() {
    Recipe d = Recipe.named("densenet");
    int steps = 782;
    assertThat(d.milestoneSteps(steps)).containsExactly(150L * steps, 225L * steps);
    assertThat(d.learningRate(149, steps - 1, steps)).isEqualTo(0.1);
    assertThat(d.learningRate(150, 0, steps)).isCloseTo(0.01, within(1e-12));
    Recipe f = Recipe.fractalnet(400);
    assertThat(f.milestoneSteps(600)).containsExactly(120_000L, 180_000L, 210_000L, 225_000L);
  }
}
