package io.densefractal.weights.io;

/** Byte-order helpers for raw element arrays. */
public final class ByteOrders {
  private ByteOrders() {}

  /** Reverses the bytes of each {@code elementSize}-byte element in place (big ↔ little endian). */
  public static void swapInPlace(byte[] data, int elementSize) {
    if (elementSize <= 1) {
      return;
    }
    for (int start = 0; start + elementSize <= data.length; start += elementSize) {
      for (int i = start, j = start + elementSize - 1; i < j; i++, j--) {
        byte t = data[i];
        data[i] = data[j];
        data[j] = t;
      }
    }
  }

  public static long readLongLe(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[off + i] & 0xffL);
    }
    return v;
  }

  public static void writeLongLe(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }
}
