package io.densefractal.weights.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.weights.Fixtures;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.ByteOrders;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafeTensorsTest {
  @TempDir Path dir;

  @Test
  void readsTheSpecWriterFixture() {
    StateDict sd = SafeTensors.read(Fixtures.path("state_dict.safetensors"));
    Fixtures.assertStateDict(sd, Fixtures.expected("state_dict_expected.json"));
    assertThat(sd.metadata())
        .containsExactly(
            java.util.Map.entry("format", "pt"), java.util.Map.entry("model", "tiny <net>"));
  }

  @Test
  void roundTripsTensorsAndMetadata() {
    StateDict sd =
        Fixtures.allDtypes().putMetadata("format", "pt").putMetadata("note", "ü \"q\" <>");
    Path file = dir.resolve("all.safetensors");
    SafeTensors.write(sd, file);
    StateDict back = SafeTensors.read(file);
    Fixtures.assertSameTensors(back, sd);
    assertThat(back.metadata()).containsExactlyEntriesOf(sd.metadata());
  }

  @Test
  void padsTheHeaderToEightBytesWithSpaces() throws IOException {
    Path file = dir.resolve("pad.safetensors");
    SafeTensors.write(Fixtures.allDtypes(), file);
    byte[] b = Files.readAllBytes(file);
    long n = ByteOrders.readLongLe(b, 0);
    assertThat(n % 8).isZero();
    String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
    assertThat(header)
        .startsWith("{")
        .endsWith(" ".repeat(header.length() - header.strip().length()));
    assertThat(header.strip()).endsWith("}");
  }

  static Stream<Arguments> invalidHeaders() {
    return Stream.of(
        Arguments.of("bad json", "{\"a\":", "not valid JSON"),
        Arguments.of(
            "unknown dtype",
            header(t("a", "F8_E4M3", "[1]", 0, 4)),
            "unsupported safetensors dtype"),
        Arguments.of("size mismatch", header(t("a", "F32", "[2]", 0, 4)), "needs 8"),
        Arguments.of(
            "overlap",
            header(t("a", "F32", "[1]", 0, 4), t("b", "F32", "[1]", 2, 6)),
            "must not overlap"),
        Arguments.of(
            "beyond data",
            header(t("a", "F32", "[2]", 0, 8)),
            "cover 8 bytes but the data section holds 4"),
        Arguments.of("negative dim", header(t("a", "F32", "[-1]", 0, 4)), "negative"),
        Arguments.of("reversed", header(t("a", "F32", "[1]", 4, 0)), "begin <= end"),
        Arguments.of("string dim", header(t("a", "F32", "[\"1\"]", 0, 4)), "must hold integers"),
        Arguments.of(
            "overflow", header(t("a", "F32", "[4294967296,4294967296]", 0, 4)), "overflows"),
        Arguments.of("trailing", header(t("a", "F32", "[1]", 0, 4)) + " {}", "not valid JSON"),
        Arguments.of("metadata not string", "{\"__metadata__\":{\"x\":1}}", "must be a string"),
        Arguments.of(
            "duplicate", header(t("a", "F32", "[1]", 0, 4), t("a", "F32", "[1]", 0, 4)), "twice"),
        Arguments.of("not an object", "[1]", "does not start with '{'"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidHeaders")
  void rejectsInvalidHeaders(String name, String header, String message) throws IOException {
    Path file = dir.resolve(name.replace(' ', '_') + ".safetensors");
    Files.write(file, file(header, 4));
    assertThatThrownBy(() -> SafeTensors.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining(message);
  }

  @Test
  void rejectsHugeAndTruncatedHeaderLengths() throws IOException {
    Path huge = dir.resolve("huge.safetensors");
    byte[] b = file("{}", 0);
    ByteOrders.writeLongLe(b, 0, 200_000_000);
    Files.write(huge, b);
    assertThatThrownBy(() -> SafeTensors.read(huge)).hasMessageContaining("100 MB");

    ByteOrders.writeLongLe(b, 0, 1000);
    Files.write(huge, b);
    assertThatThrownBy(() -> SafeTensors.read(huge)).hasMessageContaining("runs past the end");

    ByteOrders.writeLongLe(b, 0, -1);
    Files.write(huge, b);
    assertThatThrownBy(() -> SafeTensors.read(huge)).isInstanceOf(WeightsFormatException.class);

    Files.write(huge, new byte[3]);
    assertThatThrownBy(() -> SafeTensors.read(huge)).hasMessageContaining("too small");
  }

  @Test
  void refusesATensorNamedLikeTheMetadataKey() {
    StateDict sd =
        new StateDict().put("__metadata__", Tensor.ofFloats(new long[] {1}, new float[1]));
    assertThatThrownBy(() -> SafeTensors.write(sd, dir.resolve("x.safetensors")))
        .isInstanceOf(WeightsFormatException.class);
  }

  /** One header entry as JSON text. */
  static String t(String name, String dtype, String shape, long begin, long end) {
    return String.format(
        "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%d,%d]}",
        name, dtype, shape, begin, end);
  }

  static String header(String... entries) {
    return "{" + String.join(",", entries) + "}";
  }

  static byte[] file(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] len = new byte[8];
    ByteOrders.writeLongLe(len, 0, h.length);
    out.writeBytes(len);
    out.writeBytes(h);
    out.writeBytes(new byte[dataBytes]);
    return out.toByteArray();
  }
}
