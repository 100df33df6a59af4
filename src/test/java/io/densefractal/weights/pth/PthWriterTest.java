package io.densefractal.weights.pth;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.weights.Fixtures;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PthWriterTest {
  @TempDir Path dir;

  @Test
  void roundTripsEveryDtypeInOrder() {
    StateDict sd = Fixtures.allDtypes();
    Path file = dir.resolve("all.pth");
    PthWriter.write(sd, file);
    Fixtures.assertSameTensors(PthReader.read(file), sd);
  }

  @Test
  void roundTripsTheTorchFixture() {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_zip.pth"));
    Path file = dir.resolve("again.pth");
    PthWriter.write(sd, file);
    Fixtures.assertStateDict(PthReader.read(file), Fixtures.expected("state_dict_expected.json"));
  }

  @Test
  void roundTripsAnEmptyStateDictAsAnEmptyDict() {
    Path file = dir.resolve("empty.pth");
    PthWriter.write(new StateDict(), file);
    assertThat((Map<?, ?>) PthReader.readObject(file)).isEmpty();
  }

  @Test
  void writesTorchLayout() throws IOException {
    Path file = dir.resolve("layout.pth");
    PthWriter.write(Fixtures.allDtypes(), file);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      assertThat(zip.stream().map(e -> e.getName()))
          .startsWith("archive/data.pkl", "archive/byteorder", "archive/data/0")
          .endsWith("archive/version");
      assertThat(
              new String(
                  zip.getInputStream(zip.getEntry("archive/version")).readAllBytes(),
                  StandardCharsets.US_ASCII))
          .isEqualTo("3\n");
      assertThat(zip.stream()).allMatch(e -> e.getMethod() == java.util.zip.ZipEntry.STORED);
    }
  }

  @Test
  void alignsEveryRecordTo64Bytes() throws IOException {
    Path file = dir.resolve("aligned.pth");
    PthWriter.write(Fixtures.allDtypes(), file);
    Map<String, Long> offsets = localDataOffsets(Files.readAllBytes(file));
    assertThat(offsets).isNotEmpty().containsKey("archive/data/0");
    assertThat(offsets.values()).allMatch(offset -> offset % 64 == 0);
  }

  @Test
  void sharesOneStorageForOneTensorObjectUnderTwoKeys() throws IOException {
    Tensor tied = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});
    StateDict sd = new StateDict().put("embed.weight", tied).put("head.weight", tied);
    Path file = dir.resolve("tied.pth");
    PthWriter.write(sd, file);
    try (ZipFile zip = new ZipFile(file.toFile())) {
      assertThat(zip.stream().filter(e -> e.getName().startsWith("archive/data/"))).hasSize(1);
    }
    Fixtures.assertSameTensors(PthReader.read(file), sd);
  }

  @Test
  void writesTheSameBytesEveryTime() throws IOException {
    Path a = dir.resolve("a.pth");
    Path b = dir.resolve("b.pth");
    PthWriter.write(Fixtures.allDtypes(), a);
    PthWriter.write(Fixtures.allDtypes(), b);
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
  }

  /** Walks the local file headers; returns where each record's data starts. */
  static Map<String, Long> localDataOffsets(byte[] zip) {
    ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Long> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos + 30 <= zip.length && b.getInt(pos) == 0x04034b50) {
      int size = b.getInt(pos + 22);
      int nameLength = b.getShort(pos + 26) & 0xffff;
      int extraLength = b.getShort(pos + 28) & 0xffff;
      String name = new String(zip, pos + 30, nameLength, StandardCharsets.UTF_8);
      int data = pos + 30 + nameLength + extraLength;
      out.put(name, (long) data);
      pos = data + size;
    }
    return out;
  }
}
