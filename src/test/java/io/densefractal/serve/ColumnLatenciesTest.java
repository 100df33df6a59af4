package io.densefractal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ColumnLatenciesTest {
  // Option 0 = whole network, 1..3 = columns (1 the shallowest): ms = intercept + slope * batch.
  private final ColumnLatencies latencies =
      ColumnLatencies.of(new double[] {30, 2, 6, 20}, new double[] {10, 1, 2, 5});

  /** The answer time of each option when it alone runs, at {@code batch}, after {@code waitMs}. */
  private ColumnLatencies.Choice choose(double budget, int batch, double waitMs) {
    return latencies.choose(budget, o -> waitMs + latencies.expectedMs(o, batch));
  }

  @Test
  void theDeepestOptionThatFitsAnswers() {
    assertThat(choose(100, 1, 0).column()).isNull(); // whole network: 40 ms
    assertThat(choose(39, 1, 0).column()).isEqualTo(3); // 25 ms
    assertThat(choose(24, 1, 0).column()).isEqualTo(2); // 8 ms
    assertThat(choose(7, 1, 0).column()).isEqualTo(1); // 3 ms
    assertThat(choose(7, 1, 0).met()).isTrue();
  }

  @Test
  void largerBatchesAndWaitingCountAgainstTheDeadline() {
    assertThat(choose(39, 1, 0).column()).isEqualTo(3);
    assertThat(choose(39, 4, 0).column()).isEqualTo(2); // column 3: 40 ms at batch 4
    assertThat(choose(39, 1, 20).column()).isEqualTo(2); // 20 + 25 > 39
  }

  @Test
  void aDeadlineNoOptionMeetsGetsTheFastestAndSaysSo() {
    ColumnLatencies.Choice c = choose(1, 1, 0);
    assertThat(c.column()).isEqualTo(1);
    assertThat(c.met()).isFalse();
    assertThat(c.expectedMs()).isEqualTo(3.0);
  }

  @Test
  void observedForwardsKeepTheEstimatesCurrent() {
    for (int i = 0; i < 30; i++) {
      latencies.observe(3, 1, 50); // column 3 now takes twice its start-up time
    }
    assertThat(latencies.expectedMs(3, 1)).isCloseTo(50.0, within(0.5));
    assertThat(choose(39, 1, 0).column()).isEqualTo(2);
    assertThat(latencies.expectedMs(2, 1)).isEqualTo(8.0); // other options untouched
  }

  @Test
  void eachBatchSizeFollowsItsOwnForwards() {
    // Batch 4 of column 2 runs at its modelled 14 ms, batch 1 at twice its modelled 3 ms.
    for (int i = 0; i < 30; i++) {
      latencies.observe(2, 4, 14);
      latencies.observe(2, 1, 6);
    }
    assertThat(latencies.expectedMs(2, 4)).isCloseTo(14.0, within(0.5));
    assertThat(latencies.expectedMs(2, 1)).isCloseTo(6.0, within(0.2));
  }

  @Test
  void aSteadyOptionIsPredictedExactlyAndAJitteryOneCautiously() {
    for (int i = 0; i < 50; i++) {
      latencies.observe(1, 1, 3); // exactly as modelled
      latencies.observe(3, 1, i % 2 == 0 ? 15 : 35); // 25 ms on average, +-10
    }
    assertThat(latencies.cautiousMs(1, 1)).isCloseTo(3.0, within(1e-9));
    assertThat(latencies.expectedMs(3, 1)).isCloseTo(25.0, within(3.0));
    // The spread is about 10 ms, so the cautious estimate is about 25 + 2 x 10.
    assertThat(latencies.cautiousMs(3, 1)).isBetween(38.0, 52.0);
  }
}
