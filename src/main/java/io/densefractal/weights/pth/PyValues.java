package io.densefractal.weights.pth;

import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Checked conversions of unpickled Python values, with messages that name what was expected. */
final class PyValues {
  private PyValues() {}

  /** A Python int (Integer, Long or BigInteger from the unpickler) that fits in a long. */
  static long toLong(Object v, String what) {
    if (v instanceof Integer i) {
      return i;
    }
    if (v instanceof Long l) {
      return l;
    }
    if (v instanceof BigInteger b) {
      if (b.bitLength() < 64) {
        return b.longValue();
      }
      throw new WeightsFormatException(what + " " + b + " does not fit in 64 bits");
    }
    throw new WeightsFormatException(what + " must be an integer, got " + typeName(v));
  }

  /** A Python str, or ASCII bytes as Python 2 pickles wrote internal names. */
  static String toText(Object v, String what) {
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof byte[] b) {
      return new String(b, StandardCharsets.US_ASCII);
    }
    throw new WeightsFormatException(what + " must be a string, got " + typeName(v));
  }

  /** A tuple (Object[]) or list, as a read-only array view. */
  static Object[] toSequence(Object v, String what) {
    if (v instanceof Object[] a) {
      return a;
    }
    if (v instanceof List<?> l) {
      return l.toArray();
    }
    throw new WeightsFormatException(what + " must be a tuple, got " + typeName(v));
  }

  static long[] toLongs(Object v, String what) {
    Object[] items = toSequence(v, what);
    long[] out = new long[items.length];
    for (int i = 0; i < items.length; i++) {
      out[i] = toLong(items[i], what + " element");
    }
    return out;
  }

  /** The Python-ish type name of an unpickled value, for messages (never its content). */
  static String typeName(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Object[]) {
      return "tuple";
    }
    if (v instanceof List) {
      return "list";
    }
    if (v instanceof java.util.Map) {
      return "dict";
    }
    if (v instanceof java.util.Set) {
      return "set";
    }
    if (v instanceof String) {
      return "str";
    }
    if (v instanceof byte[]) {
      return "bytes";
    }
    if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
      return "int";
    }
    if (v instanceof Double) {
      return "float";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof TensorRef || v instanceof Tensor) {
      return "tensor";
    }
    if (v instanceof StorageRef) {
      return "storage";
    }
    if (v instanceof TorchGlobal g) {
      return g.toString();
    }
    return v.getClass().getSimpleName();
  }
}
