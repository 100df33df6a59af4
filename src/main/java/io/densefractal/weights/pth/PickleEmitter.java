package io.densefractal.weights.pth;

import io.densefractal.weights.io.ByteOrders;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes protocol-2 pickle opcodes. Only opcodes that torch 1.13's {@code weights_only} unpickler
 * understands are emitted (no memo, no FRAME, no SHORT_BINUNICODE), so our files load there too.
 */
final class PickleEmitter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  PickleEmitter proto(int version) {
    out.write(0x80);
    out.write(version);
    return this;
  }

  PickleEmitter global(String module, String name) {
    out.write('c');
    writeAscii(module);
    out.write('\n');
    writeAscii(name);
    out.write('\n');
    return this;
  }

  PickleEmitter mark() {
    return op('(');
  }

  PickleEmitter tuple() {
    return op('t');
  }

  PickleEmitter emptyTuple() {
    return op(')');
  }

  PickleEmitter reduce() {
    return op('R');
  }

  PickleEmitter binPersId() {
    return op('Q');
  }

  PickleEmitter setItems() {
    return op('u');
  }

  PickleEmitter bool(boolean value) {
    return op(value ? 0x88 : 0x89);
  }

  PickleEmitter stop() {
    return op('.');
  }

  /** BINUNICODE: 4-byte length and UTF-8 bytes. */
  PickleEmitter string(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write('X');
    writeIntLe(b.length);
    out.write(b, 0, b.length);
    return this;
  }

  /** The shortest of BININT1, BININT2, BININT and LONG1, as Python's pickler chooses. */
  PickleEmitter integer(long v) {
    if (v >= 0 && v < 0x100) {
      out.write('K');
      out.write((int) v);
    } else if (v >= 0 && v < 0x10000) {
      out.write('M');
      out.write((int) v);
      out.write((int) (v >>> 8));
    } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      out.write('J');
      writeIntLe((int) v);
    } else {
      // LONG1: two's complement little-endian, as few bytes as keep the sign.
      byte[] b = new byte[8];
      ByteOrders.writeLongLe(b, 0, v);
      int n = 8;
      while (n > 1 && ((b[n - 1] == 0 && b[n - 2] >= 0) || (b[n - 1] == -1 && b[n - 2] < 0))) {
        n--;
      }
      out.write(0x8a);
      out.write(n);
      out.write(b, 0, n);
    }
    return this;
  }

  PickleEmitter integerTuple(long[] values) {
    mark();
    for (long v : values) {
      integer(v);
    }
    return tuple();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }

  private PickleEmitter op(int opcode) {
    out.write(opcode);
    return this;
  }

  private void writeIntLe(int v) {
    for (int i = 0; i < 4; i++) {
      out.write(v >>> (8 * i));
    }
  }

  private void writeAscii(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(b, 0, b.length);
  }
}
