package io.densefractal.weights.pth;

import io.densefractal.weights.io.ByteOrders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds torch files around hand-written pickles, for tests that need malformed or hostile ones.
 */
public final class TorchFiles {
  private TorchFiles() {}

  /** A zip .pth with {@code archive/data.pkl} and the given {@code archive/data/<key>} records. */
  public static byte[] zip(byte[] dataPkl, Map<String, byte[]> storages) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      stored(zip, "archive/data.pkl", dataPkl);
      for (Map.Entry<String, byte[]> e : storages.entrySet()) {
        stored(zip, "archive/data/" + e.getKey(), e.getValue());
      }
      stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * A legacy .pth: magic, protocol, sys_info, {@code objectPickle}, the storage key list, then each
   * storage's little-endian element count and bytes.
   */
  public static byte[] legacy(byte[] objectPickle, Map<String, byte[]> storages, int elementSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)
    out.writeBytes(
        new byte[] {
          (byte) 0x80,
          2,
          (byte) 0x8a,
          10,
          0x6c,
          (byte) 0xfc,
          (byte) 0x9c,
          0x46,
          (byte) 0xf9,
          0x20,
          0x6a,
          (byte) 0xa8,
          0x50,
          0x19,
          '.'
        });
    // pickle.dumps(1001, protocol=2)
    out.writeBytes(new byte[] {(byte) 0x80, 2, 'M', (byte) 0xe9, 0x03, '.'});
    // {'little_endian': True}: torch ignores the rest of sys_info
    out.writeBytes(
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT)
            .str("little_endian")
            .op(PickleBuilder.NEWTRUE, PickleBuilder.SETITEM, PickleBuilder.STOP)
            .bytes());
    out.writeBytes(objectPickle);
    PickleBuilder keys = PickleBuilder.proto(2).op(PickleBuilder.EMPTY_LIST, PickleBuilder.MARK);
    for (String key : storages.keySet()) {
      keys.str(key);
    }
    out.writeBytes(keys.op(PickleBuilder.APPENDS, PickleBuilder.STOP).bytes());
    for (byte[] data : storages.values()) {
      byte[] count = new byte[8];
      ByteOrders.writeLongLe(count, 0, data.length / elementSize);
      out.writeBytes(count);
      out.writeBytes(data);
    }
    return out.toByteArray();
  }

  private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }
}
