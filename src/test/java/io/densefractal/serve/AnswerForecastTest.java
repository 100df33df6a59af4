package io.densefractal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class AnswerForecastTest {
  // Whole network 30 + 10 b, column 1 2 + 1 b, column 2 6 + 2 b, column 3 20 + 5 b (ms); slots:
  // 0..3 the options, 4 embeddings.
  private final ColumnLatencies latencies =
      ColumnLatencies.of(new double[] {30, 2, 6, 20}, new double[] {10, 1, 2, 5});

  private double answer(double busyMs, int[] queued, int option, int images) {
    return AnswerForecast.answerMs(latencies, 8, 2, busyMs, queued, option, images);
  }

  @Test
  void anIdleQueueCostsTheBatchingDelayAndTheForward() {
    assertThat(answer(0, new int[5], 2, 1)).isCloseTo(2 + 8, within(1e-9));
    assertThat(answer(0, new int[5], 0, 3)).isCloseTo(2 + 60, within(1e-9));
  }

  @Test
  void theRoundRunningAndTheImagesAheadComeFirst() {
    // 12 ms of the running round left; 3 images ahead for column 2 (the request joins them:
    // one forward of 4) and 1 for the whole network (a forward of its own in the same round).
    int[] queued = {1, 0, 3, 0, 0};
    assertThat(answer(12, queued, 2, 1)).isCloseTo(12 + (6 + 2 * 4) + (30 + 10), within(1e-9));
    // Asking for column 1 instead adds a third forward to the round.
    assertThat(answer(12, queued, 1, 1))
        .isCloseTo(12 + (6 + 2 * 3) + (30 + 10) + (2 + 1), within(1e-9));
  }

  @Test
  void moreImagesThanOneBatchRunInSeveralForwards() {
    int[] queued = {0, 10, 0, 0, 0};
    // 11 images of column 1 with batches of at most 8: a forward of 8, then one of 3.
    assertThat(answer(0, queued, 1, 1)).isCloseTo(2 + (2 + 8) + (2 + 3), within(1e-9));
  }

  @Test
  void embeddingRequestsCostTheWholeNetwork() {
    int[] queued = {0, 0, 0, 0, 2};
    assertThat(answer(5, queued, 1, 1)).isCloseTo(5 + (30 + 20) + (2 + 1), within(1e-9));
  }

  @Test
  void theChoiceFollowsTheForecast() {
    // Deadline 40 ms, nothing queued: column 3 (2 + 25 = 27 ms) fits, the whole network does not.
    int[] idle = new int[5];
    assertThat(latencies.choose(40, o -> answer(0, idle, o, 1)).column()).isEqualTo(3);
    // Same deadline behind a round with 20 ms left and 4 whole-network images: nothing deeper
    // than column 1 fits ... and even column 1 does not: the fastest answers, saying so.
    int[] busy = {4, 0, 0, 0, 0};
    ColumnLatencies.Choice c = latencies.choose(40, o -> answer(20, busy, o, 1));
    assertThat(c.column()).isEqualTo(1);
    assertThat(c.met()).isFalse();
    // With only 2 ms left of the running round and nothing queued, column 2 fits (2 + 8 = 10).
    assertThat(latencies.choose(11, o -> answer(2, idle, o, 1)).column()).isEqualTo(2);
  }
}
