package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000 * MS;

  /** A clock the test moves by hand. */
  private static final class FakeClock {
    long now;
  }

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
  private final FakeClock clock = new FakeClock();

  private ProgressBar bar(long total, boolean terminal) {
    return new ProgressBar("epoch 3/10", total, out, terminal, () -> clock.now);
  }

  private String output() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private List<String> lines() {
    return Arrays.asList(output().split(System.lineSeparator()));
  }

  @Test
  void terminalLineShowsBarPercentLossAccuracyRateAndEta() {
    try (ProgressBar bar = bar(10_000, true)) {
      clock.now = 45 * S; // 4500 images in 45 s: 100 img/s, 5500 left: 55 s
      bar.update(4_500, 0.41234, 0.851234);
      String line = output();
      assertThat(line).startsWith("\repoch 3/10 [");
      assertThat(line)
          .contains("] 45% loss 0.4123 acc 85.12% 100 img/s ETA 0:55")
          .doesNotContain("\n");
      assertThat(line.length() - 1).isLessThanOrEqualTo(79);
      String barPart = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
      assertThat(barPart).matches("#+\\.+");
      assertThat((double) barPart.indexOf('.') / barPart.length()).isCloseTo(0.45, within(0.07));
    }
  }

  @Test
  void terminalRedrawsAtMostTenTimesASecondButAlwaysAtTheEnd() {
    ProgressBar bar = bar(1_000, true);
    for (int done = 1; done <= 1_000; done++) {
      clock.now += MS; // one update per millisecond: one second in all
      bar.update(done, 1.0, 0.5);
    }
    long redraws = output().chars().filter(c -> c == '\r').count();
    assertThat(redraws).isBetween(10L, 12L);
    assertThat(output()).contains("100%").contains("ETA 0:00");
    int before = output().length();
    bar.finish("epoch 3/10 done");
    // The summary replaces the bar in place, blanking the rest of it.
    String summary = output().substring(before);
    assertThat(summary).matches("\repoch 3/10 done +" + System.lineSeparator());
    assertThat(summary.length()).isEqualTo(before - output().lastIndexOf('\r', before - 1) + 1);
  }

  @Test
  void shorterRedrawBlanksWhatTheLongerLineLeft() {
    ProgressBar bar = bar(100, true);
    clock.now = S;
    bar.update(1, Double.POSITIVE_INFINITY, 0.5);
    int first = output().length();
    clock.now = 2 * S;
    bar.update(2, 1.0, Double.NaN);
    String second = output().substring(first);
    assertThat(output().substring(0, first)).contains("loss inf acc 50.00%");
    assertThat(second).doesNotContain("acc");
    assertThat(second.length()).isEqualTo(first);
  }

  @Test
  void plainModePrintsAboutEveryTenthWithoutBarOrCarriageReturn() {
    ProgressBar bar = bar(50_000, false);
    for (int done = 100; done <= 50_000; done += 100) {
      clock.now += 100 * MS;
      bar.update(done, 0.5, 0.9);
    }
    bar.finish("epoch 3/10 loss 0.5000 acc 90.00% test 88.00% 50 s");

    List<String> lines = lines();
    assertThat(output()).doesNotContain("\r").doesNotContain("[");
    assertThat(lines).hasSize(10);
    assertThat(lines.get(0))
        .isEqualTo("epoch 3/10 10% 5000/50000 loss 0.5000 acc 90.00% 1000 img/s ETA 0:45");
    assertThat(lines.get(8)).startsWith("epoch 3/10 90% 45000/50000");
    assertThat(lines.get(9)).startsWith("epoch 3/10 loss 0.5000");
  }

  @Test
  void plainModePrintsEveryThirtySecondsWhenProgressIsSlow() {
    ProgressBar bar = bar(1_000, false);
    for (int done = 1; done <= 50; done++) {
      clock.now += 3 * S; // 150 s for 5 % of the epoch
      bar.update(done, 2.0, 0.1);
    }
    assertThat(lines()).hasSize(5);
    assertThat(lines().get(0)).contains(" 10/1000 ").contains("0.3 img/s ETA 49:30");
  }

  @Test
  void unknownTotalShowsCountAndRateOnly() {
    ProgressBar bar = bar(0, true);
    clock.now = 2 * S;
    bar.update(1_000, 0.25, 0.75);
    assertThat(output()).isEqualTo("\repoch 3/10 1000 loss 0.2500 acc 75.00% 500 img/s");
  }

  @Test
  void firstUpdateWithoutElapsedTimeShowsNoRate() {
    ProgressBar bar = bar(10, true);
    bar.update(0, Double.NaN, Double.NaN);
    assertThat(output()).endsWith("0% loss nan -- img/s ETA --:--");
  }

  @Test
  void closeEndsAnUnfinishedTerminalLineOnce() {
    ProgressBar bar = bar(10, true);
    clock.now = S;
    bar.update(5, 1.0, 0.5);
    bar.close();
    bar.close();
    bar.update(6, 1.0, 0.5);
    assertThat(output()).endsWith("\n").doesNotContain("60%");
    assertThat(output().chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }

  @Test
  void finishPrintsItsSummaryEvenWithoutUpdatesAndOnlyOnce() {
    try (ProgressBar bar = bar(10, true)) {
      bar.finish("summary");
      bar.finish("again");
    }
    assertThat(output()).isEqualTo("summary" + System.lineSeparator());
  }

  @Test
  void durationsReadAsMinutesOrHours() {
    assertThat(ProgressBar.duration(0)).isEqualTo("0:00");
    assertThat(ProgressBar.duration(42.4)).isEqualTo("0:42");
    assertThat(ProgressBar.duration(605)).isEqualTo("10:05");
    assertThat(ProgressBar.duration(3 * 3600 + 62)).isEqualTo("3:01:02");
  }
}
