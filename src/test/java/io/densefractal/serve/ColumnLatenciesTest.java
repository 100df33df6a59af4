package io.densefractal.serve;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ColumnLatenciesTest {
  // Option 0 = whole network, 1..3 = columns (1 the shallowest): ms = intercept + slope * batch.
  private final ColumnLatencies latencies =
      ColumnLatencies.of(new double[] {30, 2, 6, 20}, new double[] {10, 1, 2, 5});

  @Test
  void theDeepestOptionThatFitsAnswers() {
    assertThat(latencies.choose(100, 1, 0).column()).isNull(); // whole network: 40 ms
    assertThat(latencies.choose(39, 1, 0).column()).isEqualTo(3); // 25 ms
    assertThat(latencies.choose(24, 1, 0).column()).isEqualTo(2); // 8 ms
    assertThat(latencies.choose(7, 1, 0).column()).isEqualTo(1); // 3 ms
    assertThat(latencies.choose(7, 1, 0).met()).isTrue();
  }

  @Test
  void largerBatchesAndWaitingCountAgainstTheDeadline() {
    assertThat(latencies.choose(39, 1, 0).column()).isEqualTo(3);
    assertThat(latencies.choose(39, 4, 0).column()).isEqualTo(2); // column 3: 40 ms at batch 4
    assertThat(latencies.choose(39, 1, 20).column()).isEqualTo(2); // 20 + 25 > 39
  }

  @Test
  void aDeadlineNoOptionMeetsGetsTheFastestAndSaysSo() {
    ColumnLatencies.Choice c = latencies.choose(1, 1, 0);
    assertThat(c.column()).isEqualTo(1);
    assertThat(c.met()).isFalse();
    assertThat(c.expectedMs()).isEqualTo(3.0);
  }

  @Test
  void observedForwardsKeepTheEstimatesCurrent() {
    for (int i = 0; i < 30; i++) {
      latencies.observe(3, 1, 50); // column 3 now takes twice its start-up time
    }
    assertThat(latencies.expectedMs(3, 1)).isBetween(49.0, 50.0);
    assertThat(latencies.choose(39, 1, 0).column()).isEqualTo(2);
    assertThat(latencies.expectedMs(2, 1)).isEqualTo(8.0); // other options untouched
  }
}
