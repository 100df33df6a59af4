package io.densefractal.weights.pth;

import io.densefractal.weights.DType;
import io.densefractal.weights.WeightsFormatException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns torch's pickle persistent ids into {@link StorageRef}s, one per storage key, so that
 * tensors sharing a storage share one ref and its bytes are loaded once. Zip files use {@code
 * ('storage', type, key, location, numel)}; legacy files add a sixth item, {@code None} or a view
 * {@code (view_key, offset, size)}.
 */
final class PersistentStorages {
  private final boolean legacy;
  private final Map<String, StorageRef> roots = new LinkedHashMap<>();
  private final Map<String, StorageRef> views = new HashMap<>();

  /**
   * @param legacy whether ids carry the legacy view metadata item
   */
  PersistentStorages(boolean legacy) {
    this.legacy = legacy;
  }

  /** The unpickler's persistent_load: returns the storage a persistent id names. */
  StorageRef load(Object pid) {
    Object[] id = PyValues.toSequence(pid, "persistent id");
    int arity = legacy ? 6 : 5;
    if (id.length == 0) {
      throw new WeightsFormatException("empty persistent id");
    }
    String typename = PyValues.toText(id[0], "persistent id type");
    if (!typename.equals("storage")) {
      throw new WeightsFormatException(
          "unsupported persistent id '"
              + typename
              + "': only tensor storages are allowed (whole pickled modules are not supported;"
              + " re-save with torch.save(model.state_dict(), path))");
    }
    if (id.length != arity) {
      throw new WeightsFormatException(
          "storage persistent id has " + id.length + " items, expected " + arity);
    }
    if (!(id[1] instanceof TorchGlobal type) || type.kind() != TorchGlobal.Kind.STORAGE_TYPE) {
      throw new WeightsFormatException(
          "storage persistent id names type " + PyValues.typeName(id[1]) + ", not a storage class");
    }
    String key = PyValues.toText(id[2], "storage key");
    PyValues.toText(id[3], "storage location"); // cpu/cuda: everything is loaded to the CPU
    long numel = PyValues.toLong(id[4], "storage size");
    if (numel < 0) {
      throw new WeightsFormatException("storage '" + key + "' has negative size " + numel);
    }
    StorageRef root = root(key, type.dtype(), numel);
    return legacy && id[5] != null ? view(root, id[5]) : root;
  }

  /** The root storages seen so far, by key, in first-use order. */
  Map<String, StorageRef> roots() {
    return roots;
  }

  private StorageRef root(String key, DType dtype, long numel) {
    StorageRef known = roots.get(key);
    if (known == null) {
      try {
        Math.multiplyExact(numel, dtype.byteSize());
      } catch (ArithmeticException e) {
        throw new WeightsFormatException("storage '" + key + "' size " + numel + " overflows", e);
      }
      known = new StorageRef(key, dtype, numel, 0, numel);
      roots.put(key, known);
    } else if (known.dtype() != dtype || known.rootNumel() != numel) {
      throw new WeightsFormatException(
          "storage '"
              + key
              + "' is referenced both as "
              + known.dtype()
              + "["
              + known.rootNumel()
              + "] and as "
              + dtype
              + "["
              + numel
              + "]");
    }
    return known;
  }

  private StorageRef view(StorageRef root, Object metadata) {
    Object[] m = PyValues.toSequence(metadata, "storage view metadata");
    if (m.length != 3) {
      throw new WeightsFormatException(
          "storage view metadata has " + m.length + " items, expected 3");
    }
    String viewKey = PyValues.toText(m[0], "storage view key");
    long offset = PyValues.toLong(m[1], "storage view offset");
    long size = PyValues.toLong(m[2], "storage view size");
    StorageRef known = views.get(viewKey);
    if (known != null) {
      // torch keeps the first definition of a view key; a conflicting one means a corrupt file.
      if (known.rootKey().equals(root.rootKey())
          && known.offset() == offset
          && known.numel() == size) {
        return known;
      }
      throw new WeightsFormatException(
          "storage view '" + viewKey + "' is defined twice differently");
    }
    StorageRef view = new StorageRef(root.rootKey(), root.dtype(), root.rootNumel(), offset, size);
    views.put(viewKey, view);
    return view;
  }
}
