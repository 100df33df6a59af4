package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfusionChartTest {
  @TempDir Path dir;

  @Test
  void ofTenClassesIsAPngWithCounts() throws IOException {
    List<String> classes =
        List.of(
            "airplane",
            "automobile",
            "bird",
            "cat",
            "deer",
            "dog",
            "frog",
            "horse",
            "ship",
            "truck");
    long[][] m = new long[10][10];
    for (int t = 0; t < 10; t++) {
      for (int p = 0; p < 10; p++) {
        m[t][p] = t == p ? 900 + t : (t + p) % 7;
      }
    }
    Path file = dir.resolve("eval/confusion.png");
    ConfusionChart.write(file, m, classes);

    BufferedImage image = Pngs.read(file);
    Pngs.assertSize(image, 900, 800);
    Pngs.assertNoTempFiles(file.getParent());
  }

  @Test
  void scalesWithManyClasses() throws IOException {
    int n = 120;
    long[][] m = new long[n][n];
    for (int i = 0; i < n; i++) {
      m[i][i] = 50;
      m[i][(i + 1) % n] = 3;
    }
    List<String> classes = IntStream.range(0, n).mapToObj(i -> "c" + i).toList();
    ConfusionChart.write(dir.resolve("big.png"), m, classes);
    Pngs.assertSize(Pngs.read(dir.resolve("big.png")), 2220, 2120);
  }

  @Test
  void ofAllZerosAndOneClassRender() throws IOException {
    ConfusionChart.write(dir.resolve("zeros.png"), new long[3][3], List.of("a", "b", "c"));
    ConfusionChart.write(dir.resolve("one.png"), new long[][] {{7}}, List.of("only"));
    Pngs.read(dir.resolve("zeros.png"));
    Pngs.read(dir.resolve("one.png"));
  }

  @Test
  void rejectsMismatchedShapes() {
    assertThatThrownBy(
            () ->
                ConfusionChart.write(dir.resolve("x.png"), new long[2][2], List.of("a", "b", "c")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 classes");
    assertThatThrownBy(
            () ->
                ConfusionChart.write(
                    dir.resolve("x.png"), new long[][] {{1, 2}, {3}}, List.of("a", "b")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("row 1");
    assertThatThrownBy(
            () -> ConfusionChart.write(dir.resolve("x.png"), new long[][] {{-1}}, List.of("a")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(dir.resolve("x.png")).doesNotExist();
  }
}
