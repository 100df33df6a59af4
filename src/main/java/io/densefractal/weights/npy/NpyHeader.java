package io.densefractal.weights.npy;

import io.densefractal.weights.DType;
import io.densefractal.weights.WeightsFormatException;
import java.util.ArrayList;
import java.util.List;

/**
 * The header of a .npy file, a Python dict literal such as {@code {'descr': '<f4', 'fortran_order':
 * False, 'shape': (2, 3), }}. Parsed by a tiny literal parser (strings, booleans, integer tuples),
 * as numpy only ever writes those; numpy itself uses ast.literal_eval.
 */
final class NpyHeader {
  /** numpy 1.x supports at most 32 dimensions. */
  private static final int MAX_DIMS = 64;

  private final DType dtype;
  private final boolean bigEndian;
  private final long[] shape;

  private NpyHeader(DType dtype, boolean bigEndian, long[] shape) {
    this.dtype = dtype;
    this.bigEndian = bigEndian;
    this.shape = shape;
  }

  DType dtype() {
    return dtype;
  }

  boolean bigEndian() {
    return bigEndian;
  }

  long[] shape() {
    return shape.clone();
  }

  static NpyHeader parse(String text) {
    Parser p = new Parser(text);
    String descr = null;
    Boolean fortran = null;
    long[] shape = null;
    p.expect('{');
    while (!p.peekIs('}')) {
      String key = p.string();
      p.expect(':');
      switch (key) {
        case "descr" -> {
          p.requireUnset(descr, key);
          descr = p.string();
        }
        case "fortran_order" -> {
          p.requireUnset(fortran, key);
          fortran = p.bool();
        }
        case "shape" -> {
          p.requireUnset(shape, key);
          shape = p.intTuple();
        }
        default -> throw new WeightsFormatException("npy header has unexpected key '" + key + "'");
      }
      if (!p.peekIs('}')) {
        p.expect(',');
      }
    }
    p.expect('}');
    p.end();
    if (descr == null || fortran == null || shape == null) {
      throw new WeightsFormatException("npy header needs 'descr', 'fortran_order' and 'shape'");
    }
    if (fortran && shape.length > 1) {
      throw new WeightsFormatException(
          "Fortran-ordered .npy arrays are not supported; save np.ascontiguousarray(a) instead");
    }
    return fromDescr(descr, shape);
  }

  /** numpy's own header text for a C-ordered array ({@code (n,)} for 1-d, {@code ()} for 0-d). */
  static String format(String descr, long[] shape) {
    StringBuilder s = new StringBuilder("{'descr': '").append(descr);
    s.append("', 'fortran_order': False, 'shape': (");
    for (int i = 0; i < shape.length; i++) {
      s.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    if (shape.length == 1) {
      s.append(',');
    }
    return s.append("), }").toString();
  }

  private static NpyHeader fromDescr(String descr, long[] shape) {
    if (descr.length() < 3) {
      throw unsupported(descr);
    }
    char order = descr.charAt(0);
    String type = descr.substring(1);
    DType dtype =
        switch (type) {
          case "f4" -> DType.FLOAT32;
          case "f8" -> DType.FLOAT64;
          case "f2" -> DType.FLOAT16;
          case "i8" -> DType.INT64;
          case "i4" -> DType.INT32;
          case "i2" -> DType.INT16;
          case "i1" -> DType.INT8;
          case "u1" -> DType.UINT8;
          case "b1" -> DType.BOOL;
          default -> throw unsupported(descr);
        };
    boolean oneByte = dtype.byteSize() == 1;
    boolean big;
    if (order == '<') {
      big = false;
    } else if (order == '>') {
      big = true;
    } else if (order == '|' && oneByte) {
      big = false;
    } else {
      throw unsupported(descr);
    }
    return new NpyHeader(dtype, big && !oneByte, shape);
  }

  private static WeightsFormatException unsupported(String descr) {
    return new WeightsFormatException(
        "unsupported .npy dtype '"
            + descr
            + "'; supported: float16/32/64, int8/16/32/64, uint8 and bool, either byte order");
  }

  /** A cursor over the literal; every method skips leading whitespace. */
  private static final class Parser {
    private final String s;
    private int i;

    Parser(String s) {
      this.s = s;
    }

    boolean peekIs(char c) {
      skipSpace();
      return i < s.length() && s.charAt(i) == c;
    }

    void expect(char c) {
      if (!peekIs(c)) {
        throw error("expected '" + c + "'");
      }
      i++;
    }

    String string() {
      skipSpace();
      if (i >= s.length() || (s.charAt(i) != '\'' && s.charAt(i) != '"')) {
        throw error("expected a string");
      }
      char quote = s.charAt(i++);
      int start = i;
      while (i < s.length() && s.charAt(i) != quote) {
        if (s.charAt(i) == '\\') {
          throw error("escapes are not supported in header strings");
        }
        i++;
      }
      if (i >= s.length()) {
        throw error("unterminated string");
      }
      return s.substring(start, i++);
    }

    boolean bool() {
      skipSpace();
      if (s.startsWith("True", i)) {
        i += 4;
        return true;
      }
      if (s.startsWith("False", i)) {
        i += 5;
        return false;
      }
      throw error("expected True or False");
    }

    long[] intTuple() {
      expect('(');
      List<Long> values = new ArrayList<>();
      while (!peekIs(')')) {
        values.add(nonNegativeInt());
        if (values.size() > MAX_DIMS) {
          throw error("more than " + MAX_DIMS + " dimensions");
        }
        if (!peekIs(')')) {
          expect(',');
        }
      }
      expect(')');
      return values.stream().mapToLong(Long::longValue).toArray();
    }

    void requireUnset(Object value, String key) {
      if (value != null) {
        throw error("key '" + key + "' appears twice");
      }
    }

    void end() {
      skipSpace();
      if (i != s.length()) {
        throw error("unexpected text after the dict");
      }
    }

    private long nonNegativeInt() {
      skipSpace();
      int start = i;
      while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
        i++;
      }
      if (start == i || i - start > 18) {
        throw error("expected a dimension (a non-negative integer below 10^18)");
      }
      long v = Long.parseLong(s.substring(start, i));
      if (i < s.length() && s.charAt(i) == 'L') {
        i++; // Python 2 long suffix
      }
      return v;
    }

    private void skipSpace() {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }

    private WeightsFormatException error(String message) {
      return new WeightsFormatException("malformed npy header at character " + i + ": " + message);
    }
  }
}
