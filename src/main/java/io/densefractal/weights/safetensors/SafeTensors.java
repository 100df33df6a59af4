package io.densefractal.weights.safetensors;

import io.densefractal.files.AtomicFiles;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import io.densefractal.weights.io.Buffers;
import io.densefractal.weights.io.ByteOrders;
import io.densefractal.weights.io.FileChecks;
import io.densefractal.weights.io.ReadGuard;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header,
 * then the raw little-endian tensor data. No code, no pickle: the safe format to publish weights
 * in.
 */
public final class SafeTensors {
  /**
   * The reference implementation's limit; a larger header is a forgery or not a safetensors file.
   */
  static final long MAX_HEADER_BYTES = 100_000_000;

  private SafeTensors() {}

  /**
   * Reads all tensors (in header order) and the {@code __metadata__} strings.
   *
   * @throws WeightsFormatException if the file is missing, truncated or inconsistent
   */
  public static StateDict read(Path file) {
    return ReadGuard.run(file, () -> readChecked(file));
  }

  /** Writes {@code sd} (tensors and metadata) to {@code file} atomically. */
  public static void write(StateDict sd, Path file) {
    if (sd.containsKey(SafeTensorsHeader.METADATA_KEY)) {
      throw new WeightsFormatException(
          "a tensor cannot be named '" + SafeTensorsHeader.METADATA_KEY + "' in safetensors");
    }
    // Data goes widest dtype first so every tensor is aligned to its element size (as the
    // reference writer does); the header keeps the state dict order.
    List<Map.Entry<String, Tensor>> dataOrder = new ArrayList<>(sd.tensors().entrySet());
    dataOrder.sort(
        Comparator.comparingInt((Map.Entry<String, Tensor> e) -> -e.getValue().dtype().byteSize()));
    Map<String, long[]> spans = new HashMap<>();
    long offset = 0;
    for (Map.Entry<String, Tensor> e : dataOrder) {
      long end = offset + e.getValue().byteSize();
      spans.put(e.getKey(), new long[] {offset, end});
      offset = end;
    }
    List<SafeTensorsHeader.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
      Tensor t = e.getValue();
      long[] span = spans.get(e.getKey());
      entries.add(new SafeTensorsHeader.Entry(e.getKey(), t.dtype(), t.shape(), span[0], span[1]));
    }
    byte[] header = SafeTensorsHeader.format(entries, sd.metadata());
    AtomicFiles.write(
        file,
        out -> {
          byte[] len = new byte[8];
          ByteOrders.writeLongLe(len, 0, header.length);
          out.write(len);
          out.write(header);
          for (Map.Entry<String, Tensor> e : dataOrder) {
            Buffers.write(e.getValue().buffer(), out);
          }
        });
  }

  private static StateDict readChecked(Path file) {
    long size = FileChecks.requireReadableFile(file);
    if (size < 8) {
      throw new WeightsFormatException(
          file + " has " + size + " bytes, too small to be a safetensors file");
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long headerLength = ByteOrders.readLongLe(Buffers.read(channel, 0, 8), 0);
      if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
        throw new WeightsFormatException(
            file
                + ": safetensors header length "
                + Long.toUnsignedString(headerLength)
                + " exceeds the 100 MB limit; not a safetensors file or corrupt");
      }
      if (headerLength > size - 8) {
        throw new WeightsFormatException(
            file
                + ": safetensors header length "
                + headerLength
                + " runs past the end of the "
                + size
                + "-byte file; the file is truncated");
      }
      byte[] header = Buffers.read(channel, 8, (int) headerLength);
      long dataStart = 8 + headerLength;
      SafeTensorsHeader parsed;
      try {
        parsed = SafeTensorsHeader.parse(header, size - dataStart);
      } catch (WeightsFormatException e) {
        throw new WeightsFormatException(file + ": " + e.getMessage(), e);
      }
      StateDict sd = new StateDict();
      for (Map.Entry<String, String> m : parsed.metadata().entrySet()) {
        sd.putMetadata(m.getKey(), m.getValue());
      }
      for (SafeTensorsHeader.Entry e : parsed.entries()) {
        long nbytes = e.end() - e.begin();
        if (nbytes > BoundedInput.MAX_ARRAY) {
          throw new WeightsFormatException(
              file + ": tensor '" + e.name() + "' is larger than 2 GiB; not supported");
        }
        byte[] data = Buffers.read(channel, dataStart + e.begin(), (int) nbytes);
        sd.put(e.name(), new Tensor(e.dtype(), e.shape(), data));
      }
      return sd;
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }
}
