package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** steps.csv: written as training goes, read back exactly, cut back on resume. */
class StepLogTest {
  @TempDir Path dir;

  private static StepPoint point(long step) {
    return new StepPoint(step, step / 8.0, 0.1 / step, 2.0 / (step + 1), step / 100.0);
  }

  @Test
  void pointsReadBackExactlyUnderAHeader() throws IOException {
    StepLog log = new StepLog(dir.resolve("run"));
    assertThat(log.read()).isEmpty();
    List<StepPoint> points = List.of(point(1), point(2), point(3));
    points.forEach(log::append);
    assertThat(log.read()).isEqualTo(points);
    List<String> lines = Files.readAllLines(log.file());
    assertThat(lines.get(0)).isEqualTo("step,epoch,learning_rate,train_loss,train_accuracy");
    assertThat(lines).hasSize(4);
  }

  @Test
  void aResumeDropsThePointsPastItsCheckpoint() {
    StepLog log = new StepLog(dir);
    log.truncateTo(5); // no log yet: nothing to do
    assertThat(log.file()).doesNotExist();
    for (long s = 1; s <= 6; s++) {
      log.append(point(s));
    }
    log.truncateTo(4);
    assertThat(log.read()).containsExactly(point(1), point(2), point(3), point(4));
    log.append(point(5));
    assertThat(log.read()).hasSize(5);
  }

  @Test
  void tenPointsAnEpochAtMost() {
    assertThat(StepLog.interval(1)).isEqualTo(1);
    assertThat(StepLog.interval(10)).isEqualTo(1);
    assertThat(StepLog.interval(11)).isEqualTo(2);
    assertThat(StepLog.interval(469)).isEqualTo(47);
  }

  @Test
  void aDamagedRowIsReportedWithItsLine() throws IOException {
    StepLog log = new StepLog(dir);
    log.append(point(1));
    Files.writeString(log.file(), "3,0.5,0.1\n", java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(log::read)
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("repair or delete");
  }
}
