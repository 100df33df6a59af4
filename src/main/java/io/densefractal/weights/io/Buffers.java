package io.densefractal.weights.io;

import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Moves bytes between read-only buffers, streams and channels without a full extra copy. */
public final class Buffers {
  private static final int CHUNK = 1 << 16;

  private Buffers() {}

  /** Writes the remaining bytes of {@code data} (a read-only view, not consumed) in chunks. */
  public static void write(ByteBuffer data, OutputStream out) throws IOException {
    ByteBuffer src = data.duplicate();
    byte[] chunk = new byte[Math.min(CHUNK, Math.max(1, src.remaining()))];
    while (src.hasRemaining()) {
      int n = Math.min(chunk.length, src.remaining());
      src.get(chunk, 0, n);
      out.write(chunk, 0, n);
    }
  }

  /** Reads exactly {@code length} bytes at {@code position}; callers have checked the file size. */
  public static byte[] read(FileChannel channel, long position, int length) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(length);
    long pos = position;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        throw new WeightsFormatException(
            "unexpected end of file at offset " + pos + "; the file is truncated");
      }
      pos += n;
    }
    return buf.array();
  }
}
