package io.densefractal.report;

import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * One named line of a {@link LineChart}: its points' x and y coordinates, in order. A point whose y
 * is NaN or infinite (a value not measured) is kept here and left out when drawn.
 */
public record Series(String name, double[] x, double[] y) {
  public Series {
    Objects.requireNonNull(name, "name");
    if (x.length != y.length) {
      throw new IllegalArgumentException(
          "series " + name + " has " + x.length + " x values for " + y.length + " y values");
    }
    x = x.clone();
    y = y.clone();
  }

  /** The series of {@code points}, each placed at {@code x(p)}, {@code y(p)}. */
  public static <T> Series of(
      String name, List<T> points, ToDoubleFunction<T> x, ToDoubleFunction<T> y) {
    return new Series(
        name, points.stream().mapToDouble(x).toArray(), points.stream().mapToDouble(y).toArray());
  }

  @Override
  public double[] x() {
    return x.clone();
  }

  @Override
  public double[] y() {
    return y.clone();
  }
}
