package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {
  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void extractsRegularFilesIntoFolders() throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("cifar-10-batches-bin/batches.meta.txt", bytes("airplane\n"));
    files.put("cifar-10-batches-bin/data_batch_1.bin", new byte[1500]);
    files.put("top.txt", bytes(""));
    int n = TarReader.extract(new ByteArrayInputStream(TestFiles.tar(files)), dir);
    assertThat(n).isEqualTo(3);
    assertThat(Files.readString(dir.resolve("cifar-10-batches-bin/batches.meta.txt")))
        .isEqualTo("airplane\n");
    assertThat(Files.size(dir.resolve("cifar-10-batches-bin/data_batch_1.bin"))).isEqualTo(1500);
    assertThat(Files.size(dir.resolve("top.txt"))).isZero();
  }

  @Test
  void rejectsPathTraversalAndAbsoluteNames() {
    for (String evil : new String[] {"../evil.txt", "a/../../evil.txt", "/etc/evil"}) {
      byte[] tar = TestFiles.tar(Map.of(evil, bytes("x")));
      assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(tar), dir))
          .as(evil)
          .isInstanceOf(DatasetFormatException.class)
          .hasMessageContaining(evil);
    }
    assertThat(dir.getParent().resolve("evil.txt")).doesNotExist();
  }

  @Test
  void skipsLinksAndDirectories() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(TestFiles.tarHeader("link", 0, '2'));
    out.writeBytes(TestFiles.tarHeader("folder/", 0, '5'));
    out.writeBytes(TestFiles.tar(Map.of("folder/file", bytes("ok"))));
    assertThat(TarReader.extract(new ByteArrayInputStream(out.toByteArray()), dir)).isEqualTo(1);
    assertThat(dir.resolve("link")).doesNotExist();
    assertThat(Files.readString(dir.resolve("folder/file"))).isEqualTo("ok");
  }

  @Test
  void gnuLongNamesAreUsed() throws IOException {
    String longName = "d/" + "x".repeat(150) + ".bin";
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] name = bytes(longName + "\0");
    out.writeBytes(TestFiles.tarHeader("././@LongLink", name.length, 'L'));
    out.writeBytes(Arrays.copyOf(name, 512));
    out.writeBytes(TestFiles.tar(Map.of("short-truncated", bytes("long"))));
    TarReader.extract(new ByteArrayInputStream(out.toByteArray()), dir);
    assertThat(Files.readString(dir.resolve(longName))).isEqualTo("long");
  }

  @Test
  void damagedArchivesAreFormatErrors() {
    byte[] tar = TestFiles.tar(Map.of("a.bin", new byte[2000]));
    byte[] cut = Arrays.copyOf(tar, 1000);
    assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(cut), dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated");
    byte[] corrupt = tar.clone();
    corrupt[10] ^= 1;
    assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(corrupt), dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("checksum");
    byte[] noEnd = Arrays.copyOf(tar, 512 + 2048);
    assertThatThrownBy(() -> TarReader.extract(new ByteArrayInputStream(noEnd), dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("truncated");
  }
}
