package io.densefractal.serve;

import io.javalin.http.Context;

/** The query parameters and headers of a request, checked: each bad one is a 400 naming it. */
final class RequestParameters {
  private RequestParameters() {}

  static int intParam(Context ctx, String name, int otherwise, int min, int max) {
    String v = ctx.queryParam(name);
    if (v == null) {
      return Math.min(otherwise, max);
    }
    try {
      int i = Integer.parseInt(v.trim());
      if (i >= min) {
        return Math.min(i, max);
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new ApiError(400, "bad_parameter", name + " must be an integer >= " + min + ", got '" + v + "'");
  }

  static Integer columnParam(ServedModel m, String v) {
    if (v == null || v.isBlank() || v.equals("all")) {
      return null;
    }
    int c;
    try {
      c = (int) Double.parseDouble(v.trim());
      if (c != Double.parseDouble(v.trim())) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new ApiError(400, "unknown_column", "column must be a column number or 'all', got '" + v + "'");
    }
    if (m.columns() == 0) {
      throw new ApiError(400, "unknown_column", m.name() + " has no columns (FractalNets have); drop column");
    }
    if (c < 1 || c > m.columns()) {
      throw new ApiError(
          400, "unknown_column", m.name() + " has columns 1-" + m.columns() + ", not " + c);
    }
    return c;
  }

  /** {@code deadline_ms} from the query, else the {@code deadline_ms} or {@code Deadline-Ms} header. */
  static Double deadlineParam(Context ctx) {
    String v = ctx.queryParam("deadline_ms");
    if (v == null) {
      v = ctx.header("deadline_ms");
    }
    if (v == null) {
      v = ctx.header("Deadline-Ms");
    }
    if (v == null || v.isBlank()) {
      return null;
    }
    try {
      double d = Double.parseDouble(v.trim());
      checkDeadline(d);
      return d;
    } catch (NumberFormatException e) {
      throw new ApiError(400, "bad_parameter", "deadline_ms must be a number of milliseconds, got '" + v + "'");
    }
  }

  static void checkDeadline(Double d) {
    if (d != null && !(d > 0 && d <= 3_600_000)) {
      throw new ApiError(400, "bad_parameter", "deadline_ms must be > 0 and at most 3600000, got " + d);
    }
  }
}
