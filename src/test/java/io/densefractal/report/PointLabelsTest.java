package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PointLabelsTest {
  private final Rectangle2D plot = new Rectangle2D.Double(0, 0, 400, 300);

  @Test
  void labelGoesUpAndRightOfItsPointWhenFree() {
    Rectangle2D box = PointLabels.place(100, 100, 50, 10, plot, List.of());
    assertThat(box.getMinX()).isGreaterThan(100);
    assertThat(box.getMaxY()).isLessThan(100);
  }

  @Test
  void labelsOfNearbyPointsDoNotOverlap() {
    List<Rectangle2D> taken = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Rectangle2D box = PointLabels.place(100 + 3 * i, 100, 60, 10, plot, taken);
      assertThat(taken).noneMatch(box::intersects);
      assertThat(plot.contains(box)).isTrue();
      taken.add(box);
    }
  }

  @Test
  void labelAtTheRightEdgeMovesLeftOfItsPoint() {
    Rectangle2D box = PointLabels.place(390, 100, 60, 10, plot, List.of());
    assertThat(box.getMaxX()).isLessThan(390);
    assertThat(plot.contains(box)).isTrue();
  }

  @Test
  void labelWiderThanThePlotStillGetsAPlace() {
    Rectangle2D box = PointLabels.place(200, 150, 1000, 10, plot, List.of());
    assertThat(box.getWidth()).isEqualTo(1000);
  }
}
