package io.densefractal.weights.pth;

import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;

/**
 * Turns {@link TensorRef}s into contiguous {@link Tensor}s. Each root storage is read from the
 * {@link StorageSource} at most once, on first use. A tensor that covers its whole storage in order
 * shares the storage array (Tensor is immutable); views are copied, and the copies are charged to a
 * byte budget so a stride-0 "expanded" view in a tiny file cannot demand gigabytes.
 */
final class TensorResolver {
  private final StorageSource source;
  private final Map<String, byte[]> storages = new HashMap<>();
  private final Map<Object, Tensor> done = new IdentityHashMap<>();
  private long copyBudget;

  /**
   * @param copyBudget how many bytes all view copies together may allocate
   */
  TensorResolver(StorageSource source, long copyBudget) {
    this.source = source;
    this.copyBudget = copyBudget;
  }

  Tensor tensor(TensorRef ref) {
    Tensor t = done.get(ref);
    if (t == null) {
      t = materialize(ref);
      done.put(ref, t);
    }
    return t;
  }

  /** A bare pickled storage comes out as a 1-d tensor of its elements. */
  Tensor tensor(StorageRef ref) {
    Tensor t = done.get(ref);
    if (t == null) {
      t = materialize(new TensorRef(ref, 0, new long[] {ref.numel()}, new long[] {1}));
      done.put(ref, t);
    }
    return t;
  }

  /**
   * Replaces every TensorRef and StorageRef in an unpickled tree by a Tensor, in place. Iterative
   * with a visited set, because hostile pickles can nest containers deeply or make them cyclic.
   */
  Object resolveTree(Object root) {
    Object resolved = replacement(root);
    if (resolved != root) {
      return resolved;
    }
    Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Object node = pending.pop();
      if (!visited.add(node)) {
        continue;
      }
      if (node instanceof Map<?, ?> map) {
        @SuppressWarnings("unchecked")
        Map<Object, Object> m = (Map<Object, Object>) map;
        for (Map.Entry<Object, Object> e : m.entrySet()) {
          e.setValue(visit(e.getValue(), pending));
        }
      } else if (node instanceof List<?> list) {
        @SuppressWarnings("unchecked")
        ListIterator<Object> it = ((List<Object>) list).listIterator();
        while (it.hasNext()) {
          it.set(visit(it.next(), pending));
        }
      } else if (node instanceof Object[] array) {
        for (int i = 0; i < array.length; i++) {
          array[i] = visit(array[i], pending);
        }
      } else if (node instanceof Set<?> set) {
        // Set elements are keys and cannot be swapped in place; tensors in sets stay refs.
        pending.addAll(set);
      }
    }
    return root;
  }

  private Object visit(Object value, Deque<Object> pending) {
    Object r = replacement(value);
    if (r == value && isContainer(value)) {
      pending.push(value);
    }
    return r;
  }

  private Object replacement(Object value) {
    if (value instanceof TensorRef t) {
      return tensor(t);
    }
    if (value instanceof StorageRef s) {
      return tensor(s);
    }
    return value;
  }

  private static boolean isContainer(Object v) {
    return v instanceof Map || v instanceof List || v instanceof Object[] || v instanceof Set;
  }

  private Tensor materialize(TensorRef ref) {
    StorageRef view = ref.storage();
    byte[] root = storageBytes(view);
    int elementSize = ref.dtype().byteSize();
    long nbytes = Math.multiplyExact(ref.numel(), elementSize);
    long start = view.offset() + ref.offset();
    if (ref.isContiguous() && start == 0 && nbytes == root.length) {
      return new Tensor(ref.dtype(), ref.size(), root);
    }
    if (nbytes > BoundedInput.MAX_ARRAY) {
      throw new WeightsFormatException(
          "tensor of shape "
              + Arrays.toString(ref.size())
              + " is larger than 2 GiB; not supported");
    }
    if (nbytes > copyBudget) {
      throw new WeightsFormatException(
          "tensor views in this file would expand to far more bytes than the file holds (a "
              + Arrays.toString(ref.size())
              + " view needs "
              + nbytes
              + " bytes); refusing to allocate. If the file is genuine, save"
              + " .contiguous().clone() copies of broadcast tensors");
    }
    copyBudget -= nbytes;
    // A tensor covering its whole storage shares the bytes (Tensor never writes them): no copy.
    boolean whole = ref.isContiguous() && start == 0 && nbytes == root.length;
    byte[] data =
        whole
            ? root
            : ref.isContiguous()
                ? Arrays.copyOfRange(
                    root, (int) (start * elementSize), (int) (start * elementSize + nbytes))
                : StridedCopy.gather(
                    root, elementSize, start, ref.size(), ref.stride(), ref.numel());
    return new Tensor(ref.dtype(), ref.size(), data);
  }

  private byte[] storageBytes(StorageRef view) {
    byte[] b = storages.get(view.rootKey());
    if (b == null) {
      b = source.load(view);
      long expected = Math.multiplyExact(view.rootNumel(), view.dtype().byteSize());
      if (b.length != expected) {
        throw new IllegalStateException("storage source returned " + b.length + " bytes");
      }
      storages.put(view.rootKey(), b);
    }
    return b;
  }
}
