package io.densefractal.weights.pth;

import io.densefractal.weights.io.Buffers;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes an uncompressed zip whose record data starts on 64-byte boundaries, as torch's own writer
 * does so storages can be memory-mapped. The padding goes into the local header's extra field (id
 * "FB", like torch), which needs the exact byte offset of each header, hence the counting stream.
 */
final class StoredZipWriter implements Closeable {
  static final int ALIGNMENT = 64;

  private static final int LOCAL_HEADER_SIZE = 30;
  private static final int EXTRA_HEADER_SIZE = 4;
  // A fixed DOS time keeps output byte-identical across runs. Not 1980-01-01 00:00: the JDK reads
  // that as "before 1980" and adds an extended-timestamp extra field, breaking the alignment.
  private static final LocalDateTime TIME = LocalDateTime.of(1980, 1, 2, 0, 0);

  private final CountingStream counter;
  private final ZipOutputStream zip;

  StoredZipWriter(OutputStream out) {
    this.counter = new CountingStream(out);
    this.zip = new ZipOutputStream(counter, StandardCharsets.UTF_8);
  }

  void add(String name, byte[] data) throws IOException {
    add(name, ByteBuffer.wrap(data));
  }

  /** Adds a STORED record with the bytes remaining in {@code data} (not consumed). */
  void add(String name, ByteBuffer data) throws IOException {
    ByteBuffer src = data.duplicate();
    CRC32 crc = new CRC32();
    crc.update(src.duplicate());
    ZipEntry entry = new ZipEntry(name);
    entry.setMethod(ZipEntry.STORED);
    entry.setSize(src.remaining());
    entry.setCompressedSize(src.remaining());
    entry.setCrc(crc.getValue());
    entry.setTimeLocal(TIME);
    byte[] extra = padding(counter.count + LOCAL_HEADER_SIZE + utf8Length(name));
    if (extra.length > 0) {
      entry.setExtra(extra);
    }
    zip.putNextEntry(entry);
    Buffers.write(src, zip);
    zip.closeEntry();
  }

  /** Writes the central directory. The underlying stream stays open: its owner closes it. */
  @Override
  public void close() throws IOException {
    zip.finish();
    zip.flush();
  }

  /** An extra field that moves the data from {@code dataStart} to the next aligned offset. */
  private static byte[] padding(long dataStart) {
    int pad = (int) ((ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT);
    if (pad == 0) {
      return new byte[0];
    }
    if (pad < EXTRA_HEADER_SIZE) {
      pad += ALIGNMENT;
    }
    byte[] extra = new byte[pad];
    extra[0] = 'F';
    extra[1] = 'B';
    int len = pad - EXTRA_HEADER_SIZE;
    extra[2] = (byte) len;
    extra[3] = (byte) (len >>> 8);
    Arrays.fill(extra, EXTRA_HEADER_SIZE, pad, (byte) 'Z');
    return extra;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Counts bytes on their way to the file, to know where each local header starts. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
