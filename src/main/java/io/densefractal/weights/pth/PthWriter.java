package io.densefractal.weights.pth;

import io.densefractal.files.AtomicFiles;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a state dict in torch's zip format, loadable with {@code torch.load(f,
 * weights_only=True)}: an OrderedDict (key order kept) of tensors rebuilt by {@code
 * torch._utils._rebuild_tensor_v2}, each on its own storage record (one shared record if the same
 * Tensor object appears under two keys).
 */
public final class PthWriter {
  private static final String ARCHIVE = "archive/";
  private static final int PICKLE_PROTOCOL = 2;

  private PthWriter() {}

  /** Writes {@code sd} to {@code file} atomically (see {@link AtomicFiles}). */
  public static void write(StateDict sd, Path file) {
    AtomicFiles.write(file, out -> writeTo(sd, out));
  }

  static void writeTo(StateDict sd, OutputStream out) throws IOException {
    Map<Tensor, String> storageKeys = new IdentityHashMap<>();
    List<Tensor> storages = new ArrayList<>();
    PickleEmitter p = new PickleEmitter().proto(PICKLE_PROTOCOL);
    p.global("collections", "OrderedDict").emptyTuple().reduce();
    if (sd.size() > 0) {
      p.mark();
      for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
        Tensor t = e.getValue();
        String key = storageKeys.get(t);
        if (key == null) {
          key = Integer.toString(storages.size());
          storageKeys.put(t, key);
          storages.add(t);
        }
        p.string(e.getKey());
        tensor(p, t, key);
      }
      p.setItems();
    }
    p.stop();

    try (StoredZipWriter zip = new StoredZipWriter(out)) {
      zip.add(ARCHIVE + "data.pkl", p.toByteArray());
      zip.add(ARCHIVE + "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < storages.size(); i++) {
        zip.add(ARCHIVE + "data/" + i, storages.get(i).buffer());
      }
      zip.add(ARCHIVE + "version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** _rebuild_tensor_v2(storage, 0, size, contiguous stride, False, OrderedDict()). */
  private static void tensor(PickleEmitter p, Tensor t, String storageKey) {
    long[] shape = t.shape();
    p.global("torch._utils", "_rebuild_tensor_v2").mark();
    p.mark()
        .string("storage")
        .global("torch", t.dtype().torchStorageClass())
        .string(storageKey)
        .string("cpu")
        .integer(t.numel())
        .tuple()
        .binPersId();
    p.integer(0).integerTuple(shape).integerTuple(contiguousStrides(shape)).bool(false);
    p.global("collections", "OrderedDict").emptyTuple().reduce();
    p.tuple().reduce();
  }

  static long[] contiguousStrides(long[] shape) {
    long[] stride = new long[shape.length];
    long s = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      stride[i] = s;
      s *= Math.max(shape[i], 1);
    }
    return stride;
  }
}
