package io.densefractal.weights.pth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.densefractal.weights.PythonRunner;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile pickles that would run {@code touch <marker>} under Python's pickle. Each must be refused
 * with an UnsafePickleException naming the global, at the opcode that names it, and the marker must
 * never appear.
 */
class UnsafePickleTest {
  @TempDir Path dir;

  enum Opcode {
    GLOBAL,
    STACK_GLOBAL,
    INST,
    OBJ
  }

  enum Container {
    ZIP,
    LEGACY
  }

  /** module, name, and how to push the arguments that make the call create the marker. */
  record Payload(String module, String name) {
    String global() {
      return module + "." + name;
    }

    PickleBuilder pushArgs(PickleBuilder p, String marker) {
      return switch (global()) {
        case "builtins.eval" -> p.str("__import__('os').system('touch " + marker + "')");
        case "subprocess.Popen" ->
            p.op(PickleBuilder.EMPTY_LIST, PickleBuilder.MARK)
                .str("touch")
                .str(marker)
                .op(PickleBuilder.APPENDS);
        default -> p.str("touch " + marker);
      };
    }
  }

  static Stream<Arguments> cases() {
    List<Payload> payloads =
        List.of(
            new Payload("os", "system"),
            new Payload("builtins", "eval"),
            new Payload("posix", "system"),
            new Payload("subprocess", "Popen"),
            new Payload("evil_module", "Unknown"));
    List<Arguments> out = new ArrayList<>();
    for (Container c : Container.values()) {
      for (Opcode op : Opcode.values()) {
        for (Payload p : payloads) {
          out.add(Arguments.of(c, op, p));
        }
      }
    }
    return out.stream();
  }

  static byte[] hostilePickle(Opcode opcode, Payload payload, String marker) {
    return switch (opcode) {
      case GLOBAL ->
          payload
              .pushArgs(
                  PickleBuilder.proto(2)
                      .global(payload.module(), payload.name())
                      .op(PickleBuilder.MARK),
                  marker)
              .op(PickleBuilder.TUPLE, PickleBuilder.REDUCE, PickleBuilder.STOP)
              .bytes();
      case STACK_GLOBAL ->
          payload
              .pushArgs(
                  PickleBuilder.proto(4)
                      .str(payload.module())
                      .str(payload.name())
                      .op(PickleBuilder.STACK_GLOBAL, PickleBuilder.MARK),
                  marker)
              .op(PickleBuilder.TUPLE, PickleBuilder.REDUCE, PickleBuilder.STOP)
              .bytes();
      case INST ->
          payload
              .pushArgs(PickleBuilder.proto(2).op(PickleBuilder.MARK), marker)
              .inst(payload.module(), payload.name())
              .op(PickleBuilder.STOP)
              .bytes();
      case OBJ ->
          payload
              .pushArgs(
                  PickleBuilder.proto(2)
                      .op(PickleBuilder.MARK)
                      .global(payload.module(), payload.name()),
                  marker)
              .op(PickleBuilder.OBJ, PickleBuilder.STOP)
              .bytes();
    };
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("cases")
  void refusesGlobalAndRunsNothing(Container container, Opcode opcode, Payload payload)
      throws IOException {
    Path marker = dir.resolve("pwned");
    byte[] pickle = hostilePickle(opcode, payload, marker.toString());
    byte[] file =
        container == Container.ZIP
            ? TorchFiles.zip(pickle, Map.of())
            : TorchFiles.legacy(pickle, Map.of(), 1);
    Path pth = dir.resolve("hostile.pth");
    Files.write(pth, file);

    for (Runnable read :
        List.<Runnable>of(
            () -> PthReader.read(pth),
            () -> PthReader.readObject(pth),
            () -> WeightFiles.read(pth))) {
      assertThatThrownBy(read::run)
          .isInstanceOfSatisfying(
              UnsafePickleException.class, e -> assertThat(e.global()).isEqualTo(payload.global()))
          .hasMessageContaining(payload.global());
    }
    assertThat(marker).doesNotExist();
  }

  /** Proves the payloads are live: Python's own pickle really runs them. */
  @Test
  void payloadsRunUnderPythonPickle() throws IOException {
    assumeThat(PythonRunner.canImport("pickle")).as("python3 not available").isTrue();
    Path marker = dir.resolve("python-ran");
    byte[] pickle = hostilePickle(Opcode.GLOBAL, new Payload("os", "system"), marker.toString());
    PythonRunner.Result r =
        PythonRunner.run(
            "import base64, pickle, sys; pickle.loads(base64.b64decode(sys.argv[1]))",
            Base64.getEncoder().encodeToString(pickle));
    assertThat(r.exitCode()).as(r.stderr()).isZero();
    assertThat(marker).exists();
  }

  @Test
  void refusesCallingAllowedTypesOutsideTheirRole() throws IOException {
    byte[] callStorage =
        PickleBuilder.proto(2)
            .global("torch", "FloatStorage")
            .op(PickleBuilder.EMPTY_TUPLE, PickleBuilder.REDUCE, PickleBuilder.STOP)
            .bytes();
    assertRefused(callStorage, "constructing torch.FloatStorage directly is not supported");

    byte[] rebuildFromString =
        PickleBuilder.proto(2)
            .global("torch._utils", "_rebuild_tensor_v2")
            .op(PickleBuilder.MARK)
            .str("x")
            .integer(0)
            .ints(1)
            .ints(1)
            .op(PickleBuilder.NEWFALSE)
            .op(PickleBuilder.NONE, PickleBuilder.TUPLE, PickleBuilder.REDUCE, PickleBuilder.STOP)
            .bytes();
    assertRefused(rebuildFromString, "expects a storage, got str");

    byte[] buildOnList =
        PickleBuilder.proto(2)
            .op(
                PickleBuilder.EMPTY_LIST,
                PickleBuilder.EMPTY_DICT,
                PickleBuilder.BUILD,
                PickleBuilder.STOP)
            .bytes();
    assertRefused(buildOnList, "BUILD on a list is not allowed");

    byte[] moduleId =
        PickleBuilder.proto(2)
            .op(PickleBuilder.MARK)
            .str("module")
            .str("x")
            .op(PickleBuilder.TUPLE, PickleBuilder.BINPERSID, PickleBuilder.STOP)
            .bytes();
    assertRefused(moduleId, "unsupported persistent id 'module'");

    byte[] extension = PickleBuilder.proto(2).op(0x82, 1, PickleBuilder.STOP).bytes();
    assertRefused(extension, "extension codes");

    byte[] listKey =
        PickleBuilder.proto(2)
            .op(
                PickleBuilder.EMPTY_DICT,
                PickleBuilder.EMPTY_LIST,
                PickleBuilder.NONE,
                PickleBuilder.SETITEM,
                PickleBuilder.STOP)
            .bytes();
    assertRefused(listKey, "unhashable list used as a key");
  }

  private void assertRefused(byte[] pickle, String message) throws IOException {
    Path pth = dir.resolve("misuse.pth");
    Files.write(pth, TorchFiles.zip(pickle, Map.of()));
    assertThatThrownBy(() -> PthReader.readObject(pth))
        .isInstanceOf(WeightsFormatException.class)
        .isNotInstanceOf(UnsafePickleException.class)
        .hasMessageContaining(message);
  }
}
