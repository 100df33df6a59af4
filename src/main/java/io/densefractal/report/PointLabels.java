package io.densefractal.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.TextLayout;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.knowm.xchart.internal.chartpart.Annotation;

/**
 * Text labels printed next to the data points of an XY chart, in the PNG itself (XChart 4 shows
 * point labels only as tool tips). XChart's own {@code AnnotationText} centres its text on the
 * point, hiding the marker; these sit a few pixels beside it, whatever the axis scale, and each
 * takes the first of eight places around its point that overlaps no label placed before it and no
 * point, so labels of close points do not print over each other where there is room.
 */
public final class PointLabels extends Annotation {
  /** One label: its text and the data coordinates of its point. */
  public record Label(String text, double x, double y) {
    public Label {
      Objects.requireNonNull(text, "text");
    }
  }

  private static final int GAP = 5;
  // Half the side of the square kept free around each point (its marker).
  private static final int MARKER_HALF = 5;

  private final List<Label> labels;

  public PointLabels(List<Label> labels) {
    super(false);
    this.labels = List.copyOf(labels);
  }

  @Override
  public void paint(Graphics2D g) {
    if (!isVisible || labels.isEmpty()) {
      return;
    }
    Object antiAlias = g.getRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING,
        styler.getTextAntiAlias()
            ? RenderingHints.VALUE_TEXT_ANTIALIAS_ON
            : RenderingHints.VALUE_TEXT_ANTIALIAS_OFF);
    g.setColor(styler.getAnnotationTextFontColor());
    g.setFont(styler.getAnnotationTextFont());
    // The plot area in pixels; min and max name the edges of its bounds, not axis directions.
    Rectangle2D plot = new Rectangle2D.Double();
    plot.setFrameFromDiagonal(
        getXAxisScreenValueForMin(),
        getYAxisScreenValueForMin(),
        getXAxisScreenValueForMax(),
        getYAxisScreenValueForMax());
    List<Rectangle2D> taken = new ArrayList<>();
    for (Label label : labels) {
      double px = getXAxisScreenValue(label.x());
      double py = getYAxisScreenValue(label.y());
      taken.add(
          new Rectangle2D.Double(
              px - MARKER_HALF, py - MARKER_HALF, 2 * MARKER_HALF, 2 * MARKER_HALF));
    }
    Rectangle2D all = null;
    for (Label label : labels) {
      if (label.text().isEmpty()) {
        continue;
      }
      TextLayout layout = new TextLayout(label.text(), g.getFont(), g.getFontRenderContext());
      double w = layout.getBounds().getWidth();
      double h = layout.getAscent();
      Rectangle2D box =
          place(getXAxisScreenValue(label.x()), getYAxisScreenValue(label.y()), w, h, plot, taken);
      layout.draw(g, (float) box.getX(), (float) (box.getY() + h));
      taken.add(box);
      all = all == null ? box : all.createUnion(box);
    }
    bounds = all == null ? new Rectangle2D.Double() : all;
    if (antiAlias != null) {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, antiAlias);
    }
  }

  /** The first free place for a w×h box around the point (px, py), in order of preference. */
  static Rectangle2D place(
      double px, double py, double w, double h, Rectangle2D plot, List<Rectangle2D> taken) {
    double right = px + GAP;
    double left = px - GAP - w;
    double centre = px - w / 2;
    double above = py - GAP - h;
    double below = py + GAP;
    double middle = py - h / 2;
    double[][] places = {
      {right, above},
      {right, below},
      {left, above},
      {left, below},
      {centre, above - MARKER_HALF},
      {centre, below + MARKER_HALF},
      {right + MARKER_HALF, middle},
      {left - MARKER_HALF, middle}
    };
    Rectangle2D fallback = null;
    for (double[] p : places) {
      Rectangle2D box = new Rectangle2D.Double(p[0], p[1], w, h);
      if (!plot.contains(box)) {
        continue;
      }
      if (fallback == null) {
        fallback = box;
      }
      if (taken.stream().noneMatch(box::intersects)) {
        return box;
      }
    }
    return fallback != null ? fallback : new Rectangle2D.Double(right, above, w, h);
  }
}
