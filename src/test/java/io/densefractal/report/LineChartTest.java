package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {
  @TempDir Path dir;

  private byte[] draw(String name, List<Series> series) throws IOException {
    Path file = dir.resolve(name);
    LineChart.write(file, "t", "x", "y", LineChart.Legend.TOP_RIGHT, series);
    return Files.readAllBytes(file);
  }

  @Test
  void pointsWithoutAFiniteValueAreLeftOut() throws IOException {
    double nan = Double.NaN;
    byte[] clean =
        draw("clean.png", List.of(new Series("a", new double[] {1, 3}, new double[] {2, 4})));
    byte[] gaps =
        draw(
            "gaps.png",
            List.of(
                new Series(
                    "a",
                    new double[] {1, 2, 3, 4},
                    new double[] {2, nan, 4, Double.POSITIVE_INFINITY}),
                new Series("never measured", new double[] {1, 2}, new double[] {nan, nan})));
    assertThat(gaps).isEqualTo(clean);
  }

  @Test
  void aChartWithoutDataSaysSo() throws IOException {
    byte[] none = draw("none.png", List.of());
    byte[] allNan =
        draw("nan.png", List.of(new Series("a", new double[] {1}, new double[] {Double.NaN})));
    byte[] data = draw("data.png", List.of(new Series("a", new double[] {1}, new double[] {0})));
    assertThat(allNan).isEqualTo(none);
    assertThat(data).isNotEqualTo(none);
  }

  @Test
  void legendPlacementChangesTheImage() throws IOException {
    List<Series> one = List.of(new Series("a", new double[] {1, 2}, new double[] {1, 2}));
    byte[] top = draw("top.png", one);
    Path bottom = dir.resolve("bottom.png");
    LineChart.write(bottom, "t", "x", "y", LineChart.Legend.BOTTOM_RIGHT, one);
    assertThat(Files.readAllBytes(bottom)).isNotEqualTo(top);
  }

  @Test
  void seriesNeedOneYPerX() {
    assertThatThrownBy(() -> new Series("a", new double[] {1, 2}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 x values for 1 y values");
    double[] x = {1, 2};
    Series s = new Series("a", x, new double[] {3, 4});
    x[0] = 9;
    assertThat(s.x()).containsExactly(1, 2);
  }
}
