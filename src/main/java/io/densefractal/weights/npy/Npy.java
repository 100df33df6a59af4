package io.densefractal.weights.npy;

import io.densefractal.files.AtomicFiles;
import io.densefractal.weights.DType;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import io.densefractal.weights.io.Buffers;
import io.densefractal.weights.io.ByteOrders;
import io.densefractal.weights.io.FileChecks;
import io.densefractal.weights.io.ReadGuard;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads and writes single arrays in numpy's .npy format (versions 1.0, 2.0 and 3.0; C order; either
 * byte order on read). Tensors always come out little-endian; bools come out as 0/1.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int ALIGNMENT = 64;

  /** Real headers are ~100 bytes; numpy itself refuses more than 10000 by default. */
  private static final long MAX_HEADER_BYTES = 1 << 20;

  private Npy() {}

  /**
   * @throws WeightsFormatException if the file is missing, malformed or of an unsupported dtype
   */
  public static Tensor read(Path file) {
    return ReadGuard.run(file, () -> readChecked(file));
  }

  /**
   * Writes {@code tensor} as a version 1.0 .npy with a little-endian descr and a header padded to
   * 64 bytes, like numpy; atomically.
   *
   * @throws WeightsFormatException for bfloat16, which numpy has no type for
   */
  public static void write(Tensor tensor, Path file) {
    String descr = tensor.dtype().numpyDescr();
    if (descr == null) {
      throw new WeightsFormatException(
          "numpy has no "
              + tensor.dtype()
              + " type; convert the tensor to float32 before saving .npy");
    }
    byte[] header = header(descr, tensor.shape());
    AtomicFiles.write(
        file,
        out -> {
          out.write(header);
          Buffers.write(tensor.buffer(), out);
        });
  }

  /** Magic, version, length and the dict padded with spaces and a newline to a multiple of 64. */
  static byte[] header(String descr, long[] shape) {
    byte[] dict = NpyHeader.format(descr, shape).getBytes(StandardCharsets.ISO_8859_1);
    int prefix = MAGIC.length + 2 + 2;
    boolean v1 = prefix + dict.length + 1 + ALIGNMENT <= 0xffff;
    if (!v1) {
      prefix += 2; // version 2.0 has a 4-byte header length
    }
    int total = (prefix + dict.length + 1 + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    byte[] out = new byte[total];
    System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
    out[6] = (byte) (v1 ? 1 : 2);
    out[7] = 0;
    int headerLength = total - prefix;
    for (int i = 0; i < prefix - 8; i++) {
      out[8 + i] = (byte) (headerLength >>> (8 * i));
    }
    System.arraycopy(dict, 0, out, prefix, dict.length);
    Arrays.fill(out, prefix + dict.length, total - 1, (byte) ' ');
    out[total - 1] = '\n';
    return out;
  }

  private static Tensor readChecked(Path file) {
    long size = FileChecks.requireReadableFile(file);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      if (size < 10) {
        throw new WeightsFormatException(file + " is too small to be a .npy file");
      }
      byte[] start = Buffers.read(channel, 0, 10);
      if (!Arrays.equals(start, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        throw new WeightsFormatException(file + " is not a .npy file (no \\x93NUMPY magic)");
      }
      int major = start[6] & 0xff;
      long headerLength;
      int prefix;
      if (major == 1) {
        headerLength = (start[8] & 0xff) | (start[9] & 0xff) << 8;
        prefix = 10;
      } else if (major == 2 || major == 3) {
        if (size < 12) {
          throw new WeightsFormatException(file + " is truncated inside the .npy header");
        }
        byte[] len = Buffers.read(channel, 8, 4);
        headerLength =
            (len[0] & 0xffL)
                | (len[1] & 0xffL) << 8
                | (len[2] & 0xffL) << 16
                | (len[3] & 0xffL) << 24;
        prefix = 12;
      } else {
        throw new WeightsFormatException(
            file
                + " is .npy format version "
                + major
                + "."
                + (start[7] & 0xff)
                + "; supported: 1, 2, 3");
      }
      if (headerLength > MAX_HEADER_BYTES || prefix + headerLength > size) {
        throw new WeightsFormatException(
            file
                + ": .npy header length "
                + headerLength
                + " does not fit the "
                + size
                + "-byte file");
      }
      byte[] raw = Buffers.read(channel, prefix, (int) headerLength);
      // v3 allows UTF-8 (for field names); v1/v2 are latin-1. Both are ASCII for our dtypes.
      String text =
          new String(raw, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      NpyHeader header;
      try {
        header = NpyHeader.parse(text);
      } catch (WeightsFormatException e) {
        throw new WeightsFormatException(file + ": " + e.getMessage(), e);
      }
      long dataStart = prefix + headerLength;
      long nbytes;
      try {
        nbytes = Math.multiplyExact(Tensor.numel(header.shape()), header.dtype().byteSize());
      } catch (ArithmeticException e) {
        throw new WeightsFormatException(file + ": .npy shape overflows", e);
      }
      if (nbytes != size - dataStart) {
        throw new WeightsFormatException(
            file
                + ": .npy data holds "
                + (size - dataStart)
                + " bytes but shape "
                + Arrays.toString(header.shape())
                + " of "
                + header.dtype()
                + " needs "
                + nbytes
                + "; the file is truncated or corrupt");
      }
      if (nbytes > BoundedInput.MAX_ARRAY) {
        throw new WeightsFormatException(file + ": array is larger than 2 GiB; not supported");
      }
      byte[] data = Buffers.read(channel, dataStart, (int) nbytes);
      if (header.bigEndian()) {
        ByteOrders.swapInPlace(data, header.dtype().byteSize());
      }
      if (header.dtype() == DType.BOOL) {
        for (int i = 0; i < data.length; i++) {
          data[i] = (byte) (data[i] != 0 ? 1 : 0);
        }
      }
      return new Tensor(header.dtype(), header.shape(), data);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }
}
