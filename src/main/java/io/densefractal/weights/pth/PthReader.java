package io.densefractal.weights.pth;

import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.FileChecks;
import io.densefractal.weights.io.ReadGuard;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads files written by {@code torch.save}, in the zip format (torch >= 1.6) or the legacy pickle
 * format, without running any code from the file: only tensors, storages, OrderedDict and plain
 * Python data are accepted (see {@link TorchUnpickler}).
 */
public final class PthReader {
  /** View copies may allocate at most this many times the file size (tied weights, views). */
  private static final long COPY_BUDGET_FACTOR = 16;

  private static final long MIN_COPY_BUDGET = 1 << 20;

  private PthReader() {}

  /**
   * Reads the state dict: the top-level dict of tensors, or the one under {@code state_dict} /
   * {@code model} in a training checkpoint, with a DataParallel {@code module.} prefix stripped.
   *
   * @throws WeightsFormatException if the file is missing, malformed, holds no tensors, or
   *     references code ({@link UnsafePickleException})
   */
  public static StateDict read(Path file) {
    return ReadGuard.run(
        file,
        () -> {
          try (PthArchive archive = open(file)) {
            Map<String, Object> selected =
                CheckpointUnwrapper.select(archive.root(), file.toString());
            TensorResolver resolver = resolver(archive);
            StateDict sd = new StateDict();
            for (Map.Entry<String, Object> e : selected.entrySet()) {
              Object v = e.getValue();
              sd.put(e.getKey(), v instanceof Tensor t ? t : resolver.tensor((TensorRef) v));
            }
            return sd;
          }
        });
  }

  /**
   * Reads the whole unpickled object: dicts as {@link java.util.LinkedHashMap}, lists as {@link
   * java.util.ArrayList}, tuples as {@code Object[]}, tensors (and bare storages) as {@link
   * Tensor}, ints as Integer/Long/BigInteger, and allow-listed globals as opaque markers. For tests
   * and tools.
   */
  public static Object readObject(Path file) {
    return ReadGuard.run(
        file,
        () -> {
          try (PthArchive archive = open(file)) {
            return resolver(archive).resolveTree(archive.root());
          }
        });
  }

  static PthArchive open(Path file) {
    long size = FileChecks.requireReadableFile(file);
    byte[] head = new byte[8];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
    if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
      return PthZipArchive.open(file, size);
    }
    if (n == 0) {
      throw new WeightsFormatException(file + " is empty");
    }
    if (isTar(file, size)) {
      throw new WeightsFormatException(
          file
              + " uses the tar format of torch < 0.4, which is not supported; re-save it with a"
              + " newer torch");
    }
    return PthLegacyArchive.open(file, size);
  }

  private static TensorResolver resolver(PthArchive archive) {
    long budget = COPY_BUDGET_FACTOR * Math.max(archive.fileSize(), MIN_COPY_BUDGET);
    return new TensorResolver(archive, budget);
  }

  private static boolean isTar(Path file, long size) {
    if (size < 512) {
      return false;
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] block = in.readNBytes(512);
      return block.length == 512
          && new String(block, 257, 5, java.nio.charset.StandardCharsets.US_ASCII).equals("ustar");
    } catch (IOException e) {
      throw new WeightsFormatException("cannot read " + file + ": " + e, e);
    }
  }
}
