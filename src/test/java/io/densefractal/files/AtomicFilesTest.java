package io.densefractal.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void replacesTheTarget() throws IOException {
    Path target = dir.resolve("out.bin");
    Files.writeString(target, "old");
    AtomicFiles.write(target, out -> out.write("new".getBytes()));
    assertThat(target).hasContent("new");
    assertThat(listing()).containsExactly("out.bin");
  }

  @Test
  void failedBodyLeavesOldTargetAndNoTempFile() throws IOException {
    Path target = dir.resolve("out.bin");
    Files.writeString(target, "old");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write("partial".getBytes());
                      throw new IOException("disk full");
                    }))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("disk full");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    target,
                    out -> {
                      out.write("partial".getBytes());
                      throw new IllegalStateException("bug");
                    }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(target).hasContent("old");
    assertThat(listing()).containsExactly("out.bin");
  }

  @Test
  void explainsAMissingDirectory() {
    assertThatThrownBy(() -> AtomicFiles.write(dir.resolve("no/such/out.bin"), out -> {}))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("does not exist");
  }

  private Stream<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).toList().stream();
    }
  }
}
