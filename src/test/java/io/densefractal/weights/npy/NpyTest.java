package io.densefractal.weights.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.weights.DType;
import io.densefractal.weights.Fixtures;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class NpyTest {
  private static final Map<String, String> DTYPE_OF_DESCR =
      Map.ofEntries(
          Map.entry("f4", "float32"),
          Map.entry("f8", "float64"),
          Map.entry("f2", "float16"),
          Map.entry("i8", "int64"),
          Map.entry("i4", "int32"),
          Map.entry("i2", "int16"),
          Map.entry("i1", "int8"),
          Map.entry("u1", "uint8"),
          Map.entry("b1", "bool"));

  @TempDir Path dir;

  static Stream<String> fixtures() {
    return Fixtures.expected("npy_expected.json").keySet().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void readsNumpyWrittenFiles(String name) {
    Fixtures.Expected e = Fixtures.expected("npy_expected.json").get(name);
    Tensor t = Npy.read(Fixtures.path("npy/" + name + ".npy"));
    Fixtures.assertTensor(
        name,
        t,
        new Fixtures.Expected(DTYPE_OF_DESCR.get(e.dtype().substring(1)), e.shape(), e.bytes()));
  }

  @Test
  void refusesFortranOrder() {
    assertThatThrownBy(() -> Npy.read(Fixtures.path("npy/fortran.npy")))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("Fortran");
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = "BFLOAT16", mode = EnumSource.Mode.EXCLUDE)
  void roundTripsEachDtype(DType dtype) throws IOException {
    for (long[] shape : new long[][] {{}, {3}, {2, 3}, {0, 2}}) {
      int n = (int) Tensor.numel(shape);
      byte[] data = new byte[n * dtype.byteSize()];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (dtype == DType.BOOL ? i % 2 : 31 * i + 7);
      }
      Tensor t = new Tensor(dtype, shape, data);
      Path file = dir.resolve(dtype + ".npy");
      Npy.write(t, file);
      Tensor back = Npy.read(file);
      assertThat(back.dtype()).isEqualTo(dtype);
      assertThat(back.shape()).containsExactly(shape);
      assertThat(Fixtures.bytes(back)).isEqualTo(data);
      byte[] written = Files.readAllBytes(file);
      assertThat(written[6]).as("version 1.0").isEqualTo((byte) 1);
      int headerEnd = 10 + ((written[8] & 0xff) | (written[9] & 0xff) << 8);
      assertThat(headerEnd % 64).isZero();
      assertThat(written[headerEnd - 1]).isEqualTo((byte) '\n');
    }
  }

  @Test
  void writesNumpyStyleShapes() throws IOException {
    Path file = dir.resolve("v.npy");
    Npy.write(Tensor.ofLongs(new long[] {4}, new long[] {1, 2, 3, 4}), file);
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
        .contains("{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }");
    Npy.write(Tensor.ofFloats(new long[0], new float[] {1}), file);
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
        .contains("'shape': (), }");
  }

  @Test
  void refusesBfloat16() {
    Tensor t = new Tensor(DType.BFLOAT16, new long[] {1}, new byte[2]);
    assertThatThrownBy(() -> Npy.write(t, dir.resolve("bf.npy")))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("bfloat16");
    assertThat(dir.resolve("bf.npy")).doesNotExist();
  }

  @Test
  void rejectsMalformedHeaders() throws IOException {
    for (String header :
        new String[] {
          "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
          "{'descr': '<f4', 'shape': (1,), }",
          "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
          "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",
          "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)",
          "{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }",
          "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        }) {
      Path file = dir.resolve("bad.npy");
      byte[] h = header.getBytes(StandardCharsets.ISO_8859_1);
      byte[] b = new byte[10 + h.length + 4];
      System.arraycopy(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, 0, b, 0, 8);
      b[8] = (byte) h.length;
      System.arraycopy(h, 0, b, 10, h.length);
      Files.write(file, b);
      assertThatThrownBy(() -> Npy.read(file))
          .as(header)
          .isInstanceOf(WeightsFormatException.class);
    }
  }

  @Test
  void failedWriteLeavesOldTarget() throws IOException {
    Path target = dir.resolve("w.npy");
    Files.writeString(target, "old");
    Tensor bf16 = new Tensor(DType.BFLOAT16, new long[] {1}, new byte[2]);
    assertThatThrownBy(() -> Npy.write(bf16, target)).isInstanceOf(WeightsFormatException.class);
    assertThat(target).hasContent("old");
  }
}
