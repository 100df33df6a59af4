package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
  @TempDir Path dir;

  private static EpochMetrics evaluated(int epoch) {
    return new EpochMetrics(
        epoch,
        0.1 / epoch,
        2.0 / epoch,
        0.5 + epoch / 100.0,
        2.1 / epoch,
        0.45 + epoch / 100.0,
        0.9,
        12.5 + epoch,
        4000.0 / 3);
  }

  private static EpochMetrics trainOnly(int epoch) {
    return new EpochMetrics(
        epoch, 1e-4, 0.123456789012345, 0.87, Double.NaN, Double.NaN, Double.NaN, 1.0 / 3, 812);
  }

  @Test
  void roundTripKeepsEveryValueExactlyAndNanAsNan() {
    MetricsLog log = new MetricsLog(dir.resolve("run"));
    List<EpochMetrics> written = List.of(evaluated(1), trainOnly(2), evaluated(3));
    written.forEach(log::append);

    assertThat(log.read()).containsExactlyElementsOf(written);
    assertThat(log.read().get(1).testAccuracy()).isNaN();
  }

  @Test
  void filesHaveHeaderSnakeCaseNamesAndStandardJson() throws IOException {
    MetricsLog log = new MetricsLog(dir);
    log.append(trainOnly(1));

    List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
    assertThat(csv)
        .containsExactly(
            "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,test_top5,"
                + "seconds,images_per_second",
            "1,1.0E-4,0.123456789012345,0.87,,,,0.3333333333333333,812.0");
    assertThat(Files.readString(dir.resolve("metrics.jsonl")))
        .isEqualTo(
            "{\"epoch\":1,\"learning_rate\":1.0E-4,\"train_loss\":0.123456789012345,"
                + "\"train_accuracy\":0.87,\"test_loss\":null,\"test_accuracy\":null,"
                + "\"test_top5\":null,\"seconds\":0.3333333333333333,"
                + "\"images_per_second\":812.0}\n");
  }

  @Test
  void appendAfterReopenContinuesBothFilesWithOneHeader() throws IOException {
    new MetricsLog(dir).append(evaluated(1));
    new MetricsLog(dir).append(evaluated(2));
    MetricsLog reopened = new MetricsLog(dir);
    reopened.append(evaluated(3));

    assertThat(reopened.read()).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3);
    List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.stream().filter(l -> l.startsWith("epoch,"))).hasSize(1);
    assertThat(csv.get(3)).startsWith("3,");
  }

  @Test
  void readOfMissingLogIsEmpty() {
    assertThat(new MetricsLog(dir.resolve("nothing-here")).read()).isEmpty();
  }

  @Test
  void truncateKeepsEarlyEpochsInBothFilesAndLeavesNoTempFiles() throws IOException {
    MetricsLog log = new MetricsLog(dir);
    for (int e = 1; e <= 5; e++) {
      log.append(evaluated(e));
    }

    log.truncateTo(3);

    assertThat(log.read()).containsExactly(evaluated(1), evaluated(2), evaluated(3));
    List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
    assertThat(csv).hasSize(4);
    assertThat(csv.get(3)).startsWith("3,");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("metrics.csv", "metrics.jsonl");
    }

    // Appending after a truncation continues from the kept epochs.
    log.append(trainOnly(4));
    assertThat(log.read()).extracting(EpochMetrics::epoch).containsExactly(1, 2, 3, 4);
    assertThat(Files.readAllLines(dir.resolve("metrics.csv"))).hasSize(5);
  }

  @Test
  void truncateToZeroKeepsOnlyTheHeader() throws IOException {
    MetricsLog log = new MetricsLog(dir);
    log.append(evaluated(1));
    log.truncateTo(0);

    assertThat(log.read()).isEmpty();
    assertThat(Files.readAllLines(dir.resolve("metrics.csv"))).hasSize(1);
    assertThat(Files.size(dir.resolve("metrics.jsonl"))).isZero();
  }

  @Test
  void truncateWithoutLogDoesNothing() {
    new MetricsLog(dir).truncateTo(2);
    assertThat(dir.resolve("metrics.jsonl")).doesNotExist();
    assertThat(dir.resolve("metrics.csv")).doesNotExist();
  }

  @Test
  void truncateRejectsNegativeCount() {
    assertThatThrownBy(() -> new MetricsLog(dir).truncateTo(-1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void corruptLineIsReportedWithFileAndLineNumber() throws IOException {
    MetricsLog log = new MetricsLog(dir);
    log.append(evaluated(1));
    Files.writeString(
        dir.resolve("metrics.jsonl"),
        "{\"epoch\":2,\"learning_rate\":0.1,\"train_lo",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);

    assertThatThrownBy(log::read)
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining(dir.resolve("metrics.jsonl").toString())
        .hasMessageContaining("line 2");
    // truncateTo reads first, so it refuses too instead of dropping data it cannot parse.
    assertThatThrownBy(() -> log.truncateTo(1)).isInstanceOf(DenseFractalException.class);
  }

  @Test
  void recordsWithMissingOrWrongFieldsAreCorrupt() throws IOException {
    Path jsonl = dir.resolve("metrics.jsonl");
    MetricsLog log = new MetricsLog(dir);

    Files.writeString(jsonl, "{\"epoch\":1}\n");
    assertThatThrownBy(log::read)
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("line 1")
        .hasMessageContaining("learning_rate");

    Files.writeString(jsonl, MetricsLog.json(evaluated(1)).replace("0.1", "\"fast\"") + "\n");
    assertThatThrownBy(log::read)
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("learning_rate");

    Files.writeString(jsonl, MetricsLog.json(evaluated(1)).replace("\"epoch\":1", "\"epoch\":1.5"));
    assertThatThrownBy(log::read)
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("epoch");

    Files.writeString(jsonl, "[1,2,3]\n");
    assertThatThrownBy(log::read).isInstanceOf(DenseFractalException.class);
  }

  @Test
  void blankLinesAreIgnored() throws IOException {
    Files.writeString(
        dir.resolve("metrics.jsonl"),
        "\n" + MetricsLog.json(evaluated(1)) + "\n\n" + MetricsLog.json(evaluated(2)) + "\n");
    assertThat(new MetricsLog(dir).read()).containsExactly(evaluated(1), evaluated(2));
  }

  @Test
  void appendReportsUnwritableRunDirectory() throws IOException {
    Path file = dir.resolve("not-a-dir");
    Files.writeString(file, "x");
    assertThatThrownBy(() -> new MetricsLog(file).append(evaluated(1)))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("epoch 1");
  }

  @Test
  void epochsStartAtOne() {
    assertThatThrownBy(() -> trainOnly(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
