package io.densefractal.weights;

import io.densefractal.weights.io.ByteOrders;
import io.densefractal.weights.io.FileChecks;
import io.densefractal.weights.io.ReadGuard;
import io.densefractal.weights.pth.PthReader;
import io.densefractal.weights.pth.PthWriter;
import io.densefractal.weights.safetensors.SafeTensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Format-agnostic entry point: reads a .pth/.pt/.bin (zip or legacy) or .safetensors file, detected
 * by content because extensions lie (.bin is used for both); writes by extension.
 */
public final class WeightFiles {
  private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

  /** The legacy magic number 0x1950a86a20f9469cfc6c, as the LONG1 bytes of its pickle. */
  private static final byte[] LEGACY_MAGIC = {
    0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19
  };

  private static final int PROBE_BYTES = 32;

  private WeightFiles() {}

  /** The state dict in {@code file}, whatever its format. */
  public static StateDict read(Path file) {
    return ReadGuard.run(
        file,
        () -> {
          long size = FileChecks.requireReadableFile(file);
          byte[] head = probe(file);
          if (startsWith(head, ZIP_MAGIC) || isLegacyPth(head)) {
            return PthReader.read(file);
          }
          if (isSafeTensors(head, size)) {
            return SafeTensors.read(file);
          }
          throw new WeightsFormatException(
              file
                  + " is not a recognized weights file (expected a torch.save .pth/.pt/.bin, zip or"
                  + " legacy, or a .safetensors file)"
                  + (size == 0 ? "; it is empty" : ""));
        });
  }

  /**
   * Writes {@code sd} in the format its extension names: .pth, .pt or .bin (torch zip format) or
   * .safetensors; atomically.
   */
  public static void write(StateDict sd, Path file) {
    String name = file.getFileName() == null ? "" : file.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".pth") || lower.endsWith(".pt") || lower.endsWith(".bin")) {
      PthWriter.write(sd, file);
    } else if (lower.endsWith(".safetensors")) {
      SafeTensors.write(sd, file);
    } else {
      throw new WeightsFormatException(
          "cannot tell the weights format from the name '"
              + name
              + "'; use one of the extensions .pth, .pt, .bin (PyTorch) or .safetensors");
    }
  }

  private static byte[] probe(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(PROBE_BYTES);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }

  /** PROTO 0x80, then the magic number pickled as LONG1 within the first pickle. */
  private static boolean isLegacyPth(byte[] head) {
    if (head.length == 0 || (head[0] & 0xff) != 0x80) {
      return false;
    }
    for (int i = 0; i + LEGACY_MAGIC.length <= head.length; i++) {
      if (Arrays.equals(head, i, i + LEGACY_MAGIC.length, LEGACY_MAGIC, 0, LEGACY_MAGIC.length)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isSafeTensors(byte[] head, long size) {
    if (head.length < 9) {
      return false;
    }
    long headerLength = ByteOrders.readLongLe(head, 0);
    return headerLength > 0 && headerLength <= size - 8 && head[8] == '{';
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    return b.length >= prefix.length
        && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }
}
