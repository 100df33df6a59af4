package io.densefractal.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightFilesTest {
  @TempDir Path dir;

  @Test
  void detectsFormatsByContentNotExtension() throws IOException {
    var expected = Fixtures.expected("state_dict_expected.json");
    for (String fixture :
        new String[] {
          "state_dict_zip.pth",
          "state_dict_legacy.pth",
          "state_dict.safetensors",
          "checkpoint_module.pth"
        }) {
      Path disguised = dir.resolve(fixture + ".bin");
      Files.copy(Fixtures.path(fixture), disguised);
      Fixtures.assertStateDict(WeightFiles.read(disguised), expected);
    }
  }

  @Test
  void writesByExtension() throws IOException {
    StateDict sd = Fixtures.allDtypes();
    for (String name : new String[] {"a.pth", "a.PT", "a.bin", "a.safetensors"}) {
      Path file = dir.resolve(name);
      WeightFiles.write(sd, file);
      Fixtures.assertSameTensors(WeightFiles.read(file), sd);
    }
    assertThat(Files.readAllBytes(dir.resolve("a.bin"))).startsWith('P', 'K', 3, 4);
    assertThat(Files.readAllBytes(dir.resolve("a.safetensors"))[8]).isEqualTo((byte) '{');
  }

  @Test
  void listsSupportedExtensionsForUnknownOnes() {
    assertThatThrownBy(() -> WeightFiles.write(new StateDict(), dir.resolve("w.onnx")))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining(".pth")
        .hasMessageContaining(".safetensors");
  }

  @Test
  void reportsMissingFilesDirectoriesAndUnknownContent() throws IOException {
    assertThatThrownBy(() -> WeightFiles.read(dir.resolve("missing.pth")))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> WeightFiles.read(dir))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("directory");
    Path text = dir.resolve("readme.pth");
    Files.writeString(text, "just some text, not weights");
    assertThatThrownBy(() -> WeightFiles.read(text))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("not a recognized weights file");
  }
}
