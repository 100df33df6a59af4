package io.densefractal.weights.io;

import io.densefractal.weights.WeightsFormatException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A sequential reader over a stream of known length. Every length read from the file is checked
 * against {@link #remaining()} before anything is allocated for it, so a forged length field fails
 * fast with a clear message instead of an {@code OutOfMemoryError}.
 */
public final class BoundedInput {
  /** The largest array the JVM reliably allocates. */
  public static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

  private static final int CHUNK = 1 << 16;

  private final InputStream in;
  private final long limit;
  private final String source;
  private long position;

  /**
   * @param in the stream, positioned at offset 0 of the region
   * @param length how many bytes the region holds
   * @param source names the file (and part) in error messages
   */
  public BoundedInput(InputStream in, long length, String source) {
    this.in = in;
    this.limit = length;
    this.source = source;
  }

  public long position() {
    return position;
  }

  public long remaining() {
    return limit - position;
  }

  public String source() {
    return source;
  }

  /** Fails unless {@code n} more bytes exist; {@code what} names the field that asked for them. */
  public void require(long n, String what) {
    if (n < 0 || n > remaining()) {
      throw new WeightsFormatException(
          source
              + ": "
              + what
              + " needs "
              + (n < 0 ? "a negative number of" : Long.toString(n))
              + " bytes at offset "
              + position
              + " but only "
              + remaining()
              + " remain; the file is truncated or corrupt");
    }
  }

  public int readU8() {
    require(1, "a byte");
    try {
      int b = in.read();
      if (b < 0) {
        throw new EOFException();
      }
      position++;
      return b;
    } catch (IOException e) {
      throw ioFailure(e);
    }
  }

  public long readLongLe(String what) {
    require(8, what);
    return ByteOrders.readLongLe(readBytes(8, what), 0);
  }

  public byte[] readBytes(long n, String what) {
    require(n, what);
    if (n > MAX_ARRAY) {
      throw new WeightsFormatException(
          source + ": " + what + " of " + n + " bytes is too large (limit 2 GiB)");
    }
    byte[] b = new byte[(int) n];
    readFully(b, 0, b.length);
    return b;
  }

  /** Copies {@code n} bytes to {@code out} in chunks, so the copy never allocates {@code n}. */
  public void copyTo(OutputStream out, long n, String what) {
    require(n, what);
    byte[] chunk = new byte[(int) Math.min(CHUNK, n)];
    long left = n;
    try {
      while (left > 0) {
        int len = (int) Math.min(chunk.length, left);
        readFully(chunk, 0, len);
        out.write(chunk, 0, len);
        left -= len;
      }
    } catch (IOException e) {
      throw ioFailure(e);
    }
  }

  public void skip(long n, String what) {
    require(n, what);
    try {
      long left = n;
      while (left > 0) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          // skip() may legally return 0; read() tells end-of-stream apart from a slow stream.
          if (in.read() < 0) {
            throw new EOFException();
          }
          skipped = 1;
        }
        left -= skipped;
        position += skipped;
      }
    } catch (IOException e) {
      throw ioFailure(e);
    }
  }

  private void readFully(byte[] b, int off, int len) {
    try {
      int done = 0;
      while (done < len) {
        int r = in.read(b, off + done, len - done);
        if (r < 0) {
          throw new EOFException();
        }
        done += r;
      }
      position += len;
    } catch (IOException e) {
      throw ioFailure(e);
    }
  }

  private WeightsFormatException ioFailure(IOException e) {
    if (e instanceof EOFException) {
      return new WeightsFormatException(
          source + ": unexpected end of data at offset " + position + "; the file is truncated", e);
    }
    return new WeightsFormatException("cannot read " + source + ": " + e, e);
  }
}
