package io.densefractal.weights.pth;

import io.densefractal.weights.WeightsFormatException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * An unpickler that is safe by construction. Every opcode that can name or call something (GLOBAL,
 * STACK_GLOBAL, INST, OBJ, REDUCE, NEWOBJ, NEWOBJ_EX, BUILD, EXT*) is handled here: globals are
 * checked against {@link TorchGlobal}'s allow-list at the opcode that names them, and "calls" are
 * interpreted by a switch over that list, so nothing is looked up or invoked reflectively.
 * Containers are ordered ({@link LinkedHashMap}) because state dict order matters. Only plain data
 * opcodes are left to razorvine. Feed it bytes that {@link PickleScanner} has already checked.
 */
final class TorchUnpickler extends Unpickler {
  private final PersistentStorages storages;

  private TorchUnpickler(PersistentStorages storages) {
    this.storages = storages;
  }

  /**
   * Unpickles one scanned pickle.
   *
   * @param storages resolves storage persistent ids, or null where none may appear
   * @param source names the file and record in error messages
   */
  static Object load(byte[] pickle, PersistentStorages storages, String source) {
    Position in = new Position(pickle);
    try {
      return new TorchUnpickler(storages).load(in);
    } catch (UnsafePickleException e) {
      throw e;
    } catch (WeightsFormatException e) {
      throw new WeightsFormatException(
          source + ": " + e.getMessage() + " (pickle offset " + in.position() + ")", e);
    } catch (IOException | RuntimeException e) {
      // Malformed stacks surface from razorvine as IndexOutOfBounds, ClassCast, PickleException...
      throw new WeightsFormatException(
          source + ": corrupt pickle at offset " + in.position() + " (" + e + ")", e);
    }
  }

  @Override
  protected Object dispatch(short key) throws IOException {
    switch (key) {
      case Opcodes.GLOBAL -> {
        String module = PickleUtils.readline(input);
        String name = PickleUtils.readline(input);
        stack.add(TorchGlobal.resolve(module, name));
      }
      case Opcodes.STACK_GLOBAL -> {
        Object name = stack.pop();
        Object module = stack.pop();
        stack.add(
            TorchGlobal.resolve(
                PyValues.toText(module, "global module"), PyValues.toText(name, "global name")));
      }
      case Opcodes.INST -> {
        String module = PickleUtils.readline(input);
        String name = PickleUtils.readline(input);
        TorchGlobal type = TorchGlobal.resolve(module, name);
        stack.add(call(type, stack.pop_all_since_marker().toArray()));
      }
      case Opcodes.OBJ -> {
        List<Object> items = stack.pop_all_since_marker();
        if (items.isEmpty()) {
          throw new WeightsFormatException("OBJ without a class");
        }
        stack.add(call(callable(items.get(0)), items.subList(1, items.size()).toArray()));
      }
      case Opcodes.REDUCE -> {
        Object args = stack.pop();
        Object function = stack.pop();
        stack.add(call(callable(function), PyValues.toSequence(args, "REDUCE arguments")));
      }
      case Opcodes.NEWOBJ -> {
        Object args = stack.pop();
        Object type = stack.pop();
        stack.add(call(type(type), PyValues.toSequence(args, "NEWOBJ arguments")));
      }
      case Opcodes.NEWOBJ_EX -> {
        Object kwargs = stack.pop();
        Object args = stack.pop();
        Object type = stack.pop();
        if (!(kwargs instanceof Map<?, ?> m) || !m.isEmpty()) {
          throw new WeightsFormatException("NEWOBJ_EX with keyword arguments is not supported");
        }
        stack.add(call(type(type), PyValues.toSequence(args, "NEWOBJ_EX arguments")));
      }
      case Opcodes.BUILD -> build();
      case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<Object, Object>());
      case Opcodes.DICT -> {
        Map<Object, Object> dict = new LinkedHashMap<>();
        putPairs(dict, stack.pop_all_since_marker());
        stack.add(dict);
      }
      case Opcodes.SETITEM -> {
        Object value = stack.pop();
        Object k = stack.pop();
        dictOnTop().put(hashable(k), value);
      }
      case Opcodes.SETITEMS -> {
        List<Object> items = stack.pop_all_since_marker();
        putPairs(dictOnTop(), items);
      }
      case Opcodes.EMPTY_LIST -> stack.add(new ArrayList<>());
      case Opcodes.LIST -> stack.add(new ArrayList<>(stack.pop_all_since_marker()));
      case Opcodes.APPEND -> {
        Object value = stack.pop();
        listOnTop().add(value);
      }
      case Opcodes.APPENDS -> {
        List<Object> items = stack.pop_all_since_marker();
        listOnTop().addAll(items);
      }
      case Opcodes.EMPTY_SET -> stack.add(new LinkedHashSet<>());
      case Opcodes.ADDITEMS -> {
        List<Object> items = stack.pop_all_since_marker();
        Set<Object> set = setOnTop();
        for (Object item : items) {
          set.add(hashable(item));
        }
      }
      case Opcodes.FROZENSET -> {
        Set<Object> set = new LinkedHashSet<>();
        for (Object item : stack.pop_all_since_marker()) {
          set.add(hashable(item));
        }
        stack.add(Collections.unmodifiableSet(set));
      }
      case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
          throw new WeightsFormatException(
              "pickle uses copyreg extension codes, which name arbitrary globals; not supported");
      case Opcodes.NEXT_BUFFER ->
          throw new WeightsFormatException(
              "pickle refers to out-of-band buffers; not supported in weight files");
      default -> {
        return super.dispatch(key);
      }
    }
    return NO_RETURN_VALUE;
  }

  @Override
  protected Object persistentLoad(Object pid) {
    if (storages == null) {
      throw new WeightsFormatException(
          "unexpected persistent id in a pickle that holds no tensors");
    }
    return storages.load(pid);
  }

  private static TorchGlobal callable(Object f) {
    if (f instanceof TorchGlobal g) {
      return g;
    }
    throw new WeightsFormatException("cannot call a " + PyValues.typeName(f));
  }

  private static TorchGlobal type(Object t) {
    TorchGlobal g = callable(t);
    return switch (g.kind()) {
      case ORDERED_DICT, PARAMETER_TYPE, SIZE -> g;
      default -> throw new WeightsFormatException("cannot instantiate " + g + " with NEWOBJ");
    };
  }

  /** Interprets a call of an allow-listed global. */
  private static Object call(TorchGlobal g, Object[] args) {
    return switch (g.kind()) {
      case ORDERED_DICT -> orderedDict(args);
      case REBUILD_TENSOR_V2 -> rebuildTensor(g, args, 6, 7);
      case REBUILD_TENSOR -> rebuildTensor(g, args, 4, 4);
      case REBUILD_PARAMETER -> tensorArgument(g, args, 3, 3);
      case REBUILD_PARAMETER_WITH_STATE -> tensorArgument(g, args, 4, 4);
      case PARAMETER_TYPE -> tensorArgument(g, args, 1, 2);
      case REBUILD_FROM_TYPE_V2 -> rebuildFromType(g, args);
      case SIZE -> {
        arity(g, args, 0, 1);
        yield args.length == 0 ? new Object[0] : PyValues.toSequence(args[0], "torch.Size");
      }
      case TENSOR_TYPE, STORAGE_TYPE ->
          throw new WeightsFormatException("constructing " + g + " directly is not supported");
    };
  }

  private static Map<Object, Object> orderedDict(Object[] args) {
    Map<Object, Object> dict = new LinkedHashMap<>();
    if (args.length == 1 && args[0] instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        dict.put(e.getKey(), e.getValue());
      }
    } else if (args.length == 1) {
      for (Object pair : PyValues.toSequence(args[0], "OrderedDict items")) {
        Object[] kv = PyValues.toSequence(pair, "OrderedDict item");
        if (kv.length != 2) {
          throw new WeightsFormatException(
              "OrderedDict item has " + kv.length + " parts, expected 2");
        }
        dict.put(hashable(kv[0]), kv[1]);
      }
    } else if (args.length > 1) {
      throw new WeightsFormatException("OrderedDict takes at most 1 argument, got " + args.length);
    }
    return dict;
  }

  private static TensorRef rebuildTensor(TorchGlobal g, Object[] args, int min, int max) {
    arity(g, args, min, max);
    if (!(args[0] instanceof StorageRef storage)) {
      throw new WeightsFormatException(g + " expects a storage, got " + PyValues.typeName(args[0]));
    }
    long offset = PyValues.toLong(args[1], "tensor storage offset");
    long[] size = PyValues.toLongs(args[2], "tensor size");
    long[] stride = PyValues.toLongs(args[3], "tensor stride");
    return new TensorRef(storage, offset, size, stride);
  }

  /** Parameters are tensors plus autograd flags and hooks, which weights do not need. */
  private static TensorRef tensorArgument(TorchGlobal g, Object[] args, int min, int max) {
    arity(g, args, min, max);
    if (args[0] instanceof TensorRef t) {
      return t;
    }
    throw new WeightsFormatException(g + " expects a tensor, got " + PyValues.typeName(args[0]));
  }

  /**
   * _rebuild_from_type_v2(func, type, args, state): tensor subclasses or tensors with attributes.
   */
  private static Object rebuildFromType(TorchGlobal g, Object[] args) {
    arity(g, args, 4, 4);
    // Only direct tensor rebuilds: letting it call itself would allow unbounded recursion.
    if (!(args[0] instanceof TorchGlobal func) || !func.isTensorRebuild()) {
      throw new WeightsFormatException(
          g + " expects a tensor rebuild function, got " + PyValues.typeName(args[0]));
    }
    if (!(args[1] instanceof TorchGlobal type)
        || (type.kind() != TorchGlobal.Kind.TENSOR_TYPE
            && type.kind() != TorchGlobal.Kind.PARAMETER_TYPE)) {
      throw new WeightsFormatException(
          g + " expects torch.Tensor or torch.nn.Parameter, got " + PyValues.typeName(args[1]));
    }
    return call(func, PyValues.toSequence(args[2], g + " arguments"));
  }

  private static void arity(TorchGlobal g, Object[] args, int min, int max) {
    if (args.length < min || args.length > max) {
      throw new WeightsFormatException(
          g
              + " takes "
              + (min == max ? Integer.toString(min) : min + " to " + max)
              + " arguments, got "
              + args.length);
    }
  }

  /**
   * BUILD sets attributes: OrderedDict's {@code _metadata} (module versions) or tensor attributes.
   * Neither is weight data, so the state is dropped; anything else is refused as torch does.
   */
  private void build() {
    stack.pop();
    Object target = stack.peek();
    if (!(target instanceof Map) && !(target instanceof TensorRef)) {
      throw new WeightsFormatException(
          "BUILD on a " + PyValues.typeName(target) + " is not allowed (only dicts and tensors)");
    }
  }

  @SuppressWarnings("unchecked")
  private Map<Object, Object> dictOnTop() {
    Object top = stack.peek();
    if (top instanceof Map) {
      return (Map<Object, Object>) top;
    }
    throw new WeightsFormatException(
        "SETITEM on a " + PyValues.typeName(top) + ", expected a dict");
  }

  @SuppressWarnings("unchecked")
  private List<Object> listOnTop() {
    Object top = stack.peek();
    if (top instanceof ArrayList) {
      return (List<Object>) top;
    }
    throw new WeightsFormatException("APPEND on a " + PyValues.typeName(top) + ", expected a list");
  }

  @SuppressWarnings("unchecked")
  private Set<Object> setOnTop() {
    Object top = stack.peek();
    if (top instanceof LinkedHashSet) {
      return (Set<Object>) top;
    }
    throw new WeightsFormatException(
        "ADDITEMS on a " + PyValues.typeName(top) + ", expected a set");
  }

  private static void putPairs(Map<Object, Object> dict, List<Object> items) {
    if (items.size() % 2 != 0) {
      throw new WeightsFormatException("dict items come in an odd number (" + items.size() + ")");
    }
    for (int i = 0; i < items.size(); i += 2) {
      dict.put(hashable(items.get(i)), items.get(i + 1));
    }
  }

  /**
   * Python refuses lists, dicts and sets as keys; so do we, which also keeps Java's recursive
   * hashCode away from deeply nested or self-containing containers.
   */
  private static Object hashable(Object key) {
    if (key instanceof List || key instanceof Map || key instanceof Set) {
      throw new WeightsFormatException("unhashable " + PyValues.typeName(key) + " used as a key");
    }
    return key;
  }

  /** The pickle bytes, with the read position exposed for error messages. */
  private static final class Position extends ByteArrayInputStream {
    Position(byte[] data) {
      super(data);
    }

    synchronized int position() {
      return pos;
    }
  }
}
