package io.densefractal.weights.pth;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.weights.Fixtures;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The less common ways torch (old and new) pickles tensors, in hand-built and real files. */
class TorchPickleFeaturesTest {
  private static final byte[] FOUR_FLOATS = floats(1, 2, 3, 4);

  @TempDir Path dir;

  @Test
  void readsParametersAndProtocol4Pickles() {
    StateDict sd = PthReader.read(Fixtures.path("extras_protocol4.pth"));
    Fixtures.assertStateDict(sd, Fixtures.expected("extras_expected.json"));
  }

  @Test
  void rebuildFromTypeV2WrapsAPlainRebuild() throws IOException {
    for (String module : new String[] {"torch._tensor", "torch.tensor"}) {
      PickleBuilder p =
          PickleBuilder.proto(2)
              .op(PickleBuilder.EMPTY_DICT)
              .str("t")
              .global(module, "_rebuild_from_type_v2")
              .op(PickleBuilder.MARK)
              .global("torch._utils", "_rebuild_tensor_v2")
              .global("torch", "Tensor")
              .op(PickleBuilder.MARK)
              .zipStorage("FloatStorage", "0", 4)
              .integer(0)
              .ints(2, 2)
              .ints(2, 1)
              .op(PickleBuilder.NEWFALSE)
              .op(PickleBuilder.NONE, PickleBuilder.TUPLE)
              .op(PickleBuilder.EMPTY_DICT)
              .str("note")
              .str("kept out")
              .op(PickleBuilder.SETITEM)
              .op(
                  PickleBuilder.TUPLE,
                  PickleBuilder.REDUCE,
                  PickleBuilder.SETITEM,
                  PickleBuilder.STOP);
      assertThat(read(p).get("t").toFloatArray()).containsExactly(1, 2, 3, 4);
    }
  }

  @Test
  void oldRebuildTensorAndParameterWrappers() throws IOException {
    PickleBuilder p =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            // _rebuild_tensor(storage, offset, size, stride), transposed
            .str("old")
            .global("torch._utils", "_rebuild_tensor")
            .op(PickleBuilder.MARK)
            .zipStorage("FloatStorage", "0", 4)
            .integer(0)
            .ints(2, 2)
            .ints(1, 2)
            .op(PickleBuilder.TUPLE, PickleBuilder.REDUCE)
            // _rebuild_parameter(_rebuild_tensor_v2(...), True, OrderedDict())
            .str("param")
            .global("torch._utils", "_rebuild_parameter")
            .op(PickleBuilder.MARK)
            .rebuildTensor("FloatStorage", "0", 4, 1, new long[] {3}, new long[] {1})
            .op(PickleBuilder.NEWTRUE)
            .global("collections", "OrderedDict")
            .op(
                PickleBuilder.EMPTY_TUPLE,
                PickleBuilder.REDUCE,
                PickleBuilder.TUPLE,
                PickleBuilder.REDUCE)
            // Parameter(tensor, False) via NEWOBJ, as torch's weights_only unpickler allows
            .str("newobj")
            .global("torch.nn.parameter", "Parameter")
            .op(PickleBuilder.MARK)
            .rebuildTensor("FloatStorage", "0", 4, 3, new long[] {}, new long[] {})
            .op(PickleBuilder.NEWFALSE, PickleBuilder.TUPLE, 0x81)
            .op(PickleBuilder.SETITEMS, PickleBuilder.STOP);
    StateDict sd = read(p);
    assertThat(sd.keys()).containsExactly("old", "param", "newobj");
    assertThat(sd.get("old").toFloatArray()).containsExactly(1, 3, 2, 4);
    assertThat(sd.get("param").toFloatArray()).containsExactly(2, 3, 4);
    assertThat(sd.get("newobj").shape()).isEmpty();
    assertThat(sd.get("newobj").toFloatArray()).containsExactly(4);
  }

  @Test
  void orderedDictFromPairsAndStackGlobals() throws IOException {
    PickleBuilder p =
        PickleBuilder.proto(4)
            .str("collections")
            .str("OrderedDict")
            .op(PickleBuilder.STACK_GLOBAL)
            .op(PickleBuilder.MARK, PickleBuilder.EMPTY_LIST, PickleBuilder.MARK)
            .str("z")
            .integer(1)
            .op(0x86)
            .str("a")
            .integer(2)
            .op(0x86)
            .op(
                PickleBuilder.APPENDS,
                PickleBuilder.TUPLE,
                PickleBuilder.REDUCE,
                PickleBuilder.STOP);
    Path file = dir.resolve("od.pth");
    Files.write(file, TorchFiles.zip(p.bytes(), Map.of()));
    Map<?, ?> od = (Map<?, ?>) PthReader.readObject(file);
    assertThat(od.keySet().stream().map(Object::toString)).containsExactly("z", "a");
  }

  @Test
  void prefersStateDictOverModelAndStripsOnlyUniformPrefixes() throws IOException {
    PickleBuilder p =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            .str("model")
            .op(PickleBuilder.EMPTY_DICT)
            .str("module.m")
            .rebuildTensor("FloatStorage", "0", 4, 0, new long[] {1}, new long[] {1})
            .op(PickleBuilder.SETITEM)
            .str("state_dict")
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            .str("module.a")
            .rebuildTensor("FloatStorage", "0", 4, 0, new long[] {1}, new long[] {1})
            .str("b")
            .rebuildTensor("FloatStorage", "0", 4, 1, new long[] {1}, new long[] {1})
            .op(PickleBuilder.SETITEMS)
            .op(PickleBuilder.SETITEMS, PickleBuilder.STOP);
    assertThat(read(p).keys()).containsExactly("module.a", "b");
  }

  @Test
  void bareStoragesComeOutAsVectors() throws IOException {
    PickleBuilder p =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_LIST)
            .zipStorage("FloatStorage", "0", 4)
            .op(PickleBuilder.APPEND, PickleBuilder.STOP);
    Path file = dir.resolve("storage.pth");
    Files.write(file, TorchFiles.zip(p.bytes(), Map.of("0", FOUR_FLOATS)));
    List<?> list = (List<?>) PthReader.readObject(file);
    assertThat(((Tensor) list.get(0)).toFloatArray()).containsExactly(1, 2, 3, 4);
  }

  @Test
  void readObjectSurvivesCyclicContainers() throws IOException {
    // l = []; l.append(l)
    PickleBuilder p =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_LIST, 'q', 0, 'h', 0, PickleBuilder.APPEND, PickleBuilder.STOP);
    Path file = dir.resolve("cycle.pth");
    Files.write(file, TorchFiles.zip(p.bytes(), Map.of()));
    List<?> list = (List<?>) PthReader.readObject(file);
    assertThat(list.get(0)).isSameAs(list);
  }

  private StateDict read(PickleBuilder pickle) throws IOException {
    Path file = dir.resolve("hand.pth");
    Files.write(file, TorchFiles.zip(pickle.bytes(), Map.of("0", FOUR_FLOATS)));
    return PthReader.read(file);
  }

  private static byte[] floats(float... values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return b.array();
  }
}
