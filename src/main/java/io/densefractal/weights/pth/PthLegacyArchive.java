package io.densefractal.weights.pth;

import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import io.densefractal.weights.io.Buffers;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy format of torch < 1.6 ({@code _use_new_zipfile_serialization=False}): consecutive
 * pickles (magic number, protocol version, sys_info, the object, the list of storage keys), then
 * for each key in that order an 8-byte little-endian element count and the raw little-endian
 * elements. The first pass records where each storage's bytes start; they are read on first use.
 */
final class PthLegacyArchive implements PthArchive {
  static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  static final long PROTOCOL_VERSION = 1001;

  private final Path file;
  private final long fileSize;
  private final FileChannel channel;
  private final Map<String, Long> dataOffsets = new HashMap<>();
  private final Object root;

  private PthLegacyArchive(Path file, long fileSize) {
    this.file = file;
    this.fileSize = fileSize;
    try {
      this.channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
    try {
      // Not closed separately: it only wraps the channel, which close() releases.
      InputStream stream = new BufferedInputStream(Channels.newInputStream(channel), 1 << 16);
      BoundedInput in = new BoundedInput(stream, fileSize, file.toString());
      checkHeader(in);
      PersistentStorages storages = new PersistentStorages(true);
      this.root =
          TorchUnpickler.load(
              PickleScanner.scan(in, file + " (object pickle)"),
              storages,
              file + " (object pickle)");
      locateStorages(in, storages);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  static PthLegacyArchive open(Path file, long fileSize) {
    return new PthLegacyArchive(file, fileSize);
  }

  @Override
  public Object root() {
    return root;
  }

  @Override
  public long fileSize() {
    return fileSize;
  }

  @Override
  public byte[] load(StorageRef storage) {
    Long offset = dataOffsets.get(storage.rootKey());
    if (offset == null) {
      throw new WeightsFormatException(
          file + ": storage '" + storage.rootKey() + "' is used by a tensor but has no data");
    }
    // Sizes were checked against the file when the offsets were recorded.
    long nbytes = Math.multiplyExact(storage.rootNumel(), storage.dtype().byteSize());
    if (nbytes > BoundedInput.MAX_ARRAY) {
      throw new WeightsFormatException(
          file + ": storage '" + storage.rootKey() + "' is larger than 2 GiB; not supported");
    }
    try {
      return Buffers.read(channel, offset, (int) nbytes);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Read-only: nothing is lost if closing fails.
    }
  }

  private void checkHeader(BoundedInput in) {
    Object magic;
    try {
      magic =
          TorchUnpickler.load(PickleScanner.scan(in, file + " (magic)"), null, file + " (magic)");
    } catch (WeightsFormatException e) {
      throw new WeightsFormatException(
          file
              + " is not a torch.save file (neither a zip archive nor a legacy pickle); for"
              + " .safetensors use SafeTensors.read, or WeightFiles.read to detect the format",
          e);
    }
    if (!isInteger(magic, MAGIC)) {
      throw new WeightsFormatException(
          file + " is not a torch.save file (wrong magic number in the legacy format)");
    }
    Object protocol =
        TorchUnpickler.load(
            PickleScanner.scan(in, file + " (protocol)"), null, file + " (protocol)");
    if (!isInteger(protocol, BigInteger.valueOf(PROTOCOL_VERSION))) {
      throw new WeightsFormatException(
          file + ": unsupported legacy torch protocol version, expected " + PROTOCOL_VERSION);
    }
    // sys_info only records the writer's type sizes; legacy storages are always little-endian.
    Object sysInfo =
        TorchUnpickler.load(
            PickleScanner.scan(in, file + " (sys_info)"), null, file + " (sys_info)");
    if (!(sysInfo instanceof Map)) {
      throw new WeightsFormatException(file + ": legacy sys_info record is not a dict");
    }
  }

  private void locateStorages(BoundedInput in, PersistentStorages storages) {
    String what = file + " (storage keys)";
    Object keys = TorchUnpickler.load(PickleScanner.scan(in, what), null, what);
    if (!(keys instanceof List<?> list)) {
      throw new WeightsFormatException(what + ": expected a list of storage keys");
    }
    for (Object k : list) {
      String key = PyValues.toText(k, "storage key");
      StorageRef root = storages.roots().get(key);
      if (root == null) {
        throw new WeightsFormatException(
            what + ": data for storage '" + key + "' that no tensor uses");
      }
      if (dataOffsets.containsKey(key)) {
        throw new WeightsFormatException(what + ": storage '" + key + "' is listed twice");
      }
      long count = in.readLongLe("storage '" + key + "' element count");
      if (count != root.rootNumel()) {
        throw new WeightsFormatException(
            file
                + ": storage '"
                + key
                + "' holds "
                + count
                + " elements but the pickle declares "
                + root.rootNumel());
      }
      long nbytes = Math.multiplyExact(count, root.dtype().byteSize());
      dataOffsets.put(key, in.position());
      in.skip(nbytes, "storage '" + key + "' data");
    }
  }

  private static boolean isInteger(Object value, BigInteger expected) {
    if (value instanceof Integer || value instanceof Long) {
      return BigInteger.valueOf(((Number) value).longValue()).equals(expected);
    }
    return value instanceof BigInteger b && b.equals(expected);
  }
}
