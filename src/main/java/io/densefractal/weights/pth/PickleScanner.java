package io.densefractal.weights.pth;

import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import io.densefractal.weights.io.ByteOrders;
import java.io.ByteArrayOutputStream;
import java.util.Locale;

/**
 * Structural pre-scan of one pickle, run before the unpickler sees a byte. It walks the opcode
 * stream with the argument layout of Python's {@code pickletools}, rejects unknown opcodes, and
 * checks every length-prefixed argument against the bytes that remain. The unpickler can then
 * allocate what a length field says without trusting it, and reading stops exactly at STOP, which
 * is what splits the consecutive pickles of the legacy torch format.
 */
final class PickleScanner {
  /**
   * CPython's default limit on int digits in text (sys.get_int_max_str_digits()); avoids O(n²)
   * parses.
   */
  static final int MAX_NUMBER_TEXT = 4300;

  private static final int HIGHEST_PROTOCOL = 5;

  /** The pickle is held in one array; leave headroom below the JVM's array limit. */
  private static final int MAX_PICKLE = BoundedInput.MAX_ARRAY - 64;

  /**
   * Opcodes without an argument: MARK POP POP_MARK DUP NONE BINPERSID REDUCE APPEND BUILD DICT
   * EMPTY_DICT APPENDS LIST EMPTY_LIST OBJ SETITEM TUPLE EMPTY_TUPLE SETITEMS, then NEWOBJ TUPLE1-3
   * NEWTRUE NEWFALSE EMPTY_SET ADDITEMS FROZENSET NEWOBJ_EX STACK_GLOBAL MEMOIZE NEXT_BUFFER
   * READONLY_BUFFER.
   */
  private static final String NO_ARGUMENT =
      "(012NQRabd}el]ost)u"
          + "\u0081\u0085\u0086\u0087\u0088\u0089\u008f\u0090\u0091\u0092\u0093\u0094\u0097\u0098";

  private PickleScanner() {}

  /** Reads one pickle up to and including STOP and returns its bytes. */
  static byte[] scan(BoundedInput in, String what) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    while (true) {
      long at = in.position();
      int op = in.readU8();
      out.write(op);
      if (out.size() > MAX_PICKLE) {
        throw error(in, at, "pickle is larger than 2 GiB");
      }
      if (NO_ARGUMENT.indexOf(op) >= 0) {
        continue;
      }
      switch (op) {
        case '.' -> {
          return out.toByteArray();
        }
        case 'K', 'h', 'q', 0x82 -> in.copyTo(out, 1, what);
        case 'M', 0x83 -> in.copyTo(out, 2, what);
        case 'J', 'j', 'r', 0x84 -> in.copyTo(out, 4, what);
        case 'G' -> in.copyTo(out, 8, what);
        case 0x80 -> {
          int protocol = in.readU8();
          if (protocol > HIGHEST_PROTOCOL) {
            throw error(in, at, "unsupported pickle protocol " + protocol);
          }
          out.write(protocol);
        }
        case 'I', 'L', 'F', 'g', 'p' -> copyLine(in, out, MAX_NUMBER_TEXT, at);
        case 'S', 'V', 'P' -> copyLine(in, out, Long.MAX_VALUE, at);
        case 'c', 'i' -> {
          copyLine(in, out, Long.MAX_VALUE, at);
          copyLine(in, out, Long.MAX_VALUE, at);
        }
        case 'U', 'C', 0x8c, 0x8a -> copyCounted(in, out, 1, false, at);
        case 'T', 0x8b -> copyCounted(in, out, 4, true, at);
        case 'B', 'X' -> copyCounted(in, out, 4, false, at);
        case 0x8d, 0x8e, 0x96 -> copyCounted(in, out, 8, true, at);
        case 0x95 -> {
          // FRAME only announces how many bytes follow; it must not announce more than exist.
          byte[] len = in.readBytes(8, what);
          long frame = ByteOrders.readLongLe(len, 0);
          in.require(frame, "pickle frame");
          out.write(len, 0, 8);
        }
        default ->
            throw error(in, at, String.format(Locale.ROOT, "unknown pickle opcode 0x%02x", op));
      }
    }
  }

  private static void copyLine(BoundedInput in, ByteArrayOutputStream out, long maxLen, long at) {
    long len = 0;
    while (true) {
      if (in.remaining() == 0) {
        throw error(in, at, "pickle text argument has no terminating newline");
      }
      int b = in.readU8();
      out.write(b);
      if (b == '\n') {
        return;
      }
      if (++len > maxLen) {
        throw error(in, at, "pickle text argument longer than " + maxLen + " characters");
      }
      if (out.size() > MAX_PICKLE) {
        throw error(in, at, "pickle is larger than 2 GiB");
      }
    }
  }

  private static void copyCounted(
      BoundedInput in, ByteArrayOutputStream out, int width, boolean signed, long at) {
    byte[] len = in.readBytes(width, "pickle length field");
    out.write(len, 0, width);
    long n = 0;
    for (int i = width - 1; i >= 0; i--) {
      n = (n << 8) | (len[i] & 0xff);
    }
    if (signed && width == 4) {
      n = (int) n;
    }
    if (n < 0) {
      throw error(in, at, "negative length " + n + " in pickle");
    }
    if (n > MAX_PICKLE - out.size()) {
      throw error(in, at, "pickle argument of " + n + " bytes makes the pickle larger than 2 GiB");
    }
    in.copyTo(out, n, "pickle argument");
  }

  private static WeightsFormatException error(BoundedInput in, long at, String message) {
    return new WeightsFormatException(
        in.source() + ": " + message + " at offset " + at + "; the file is corrupt");
  }
}
