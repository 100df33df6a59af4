package io.densefractal.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.cli.Main;
import io.densefractal.inference.Engine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigFileTest {
  @TempDir Path dir;

  @Test
  void readsSeveralModelsWithTheCommandLinesBatchingAsDefaults() throws Exception {
    Path file = dir.resolve("models.json");
    Files.writeString(
        file,
        "{\"models\": [{\"name\": \"a\", \"run\": \"runs/r20\"},"
            + " {\"weights\": \"/abs/fn.safetensors\", \"max_batch\": 16, \"max_delay_ms\": 2,"
            + " \"queue\": 64, \"engine\": \"onnxruntime\", \"threads\": 2},"
            + " {\"model\": \"resnet50\", \"pretrained\": true}]}");
    List<ModelConfig> models = ModelConfigFile.read(file, 32, 5, 256, null, 0);
    assertThat(models).hasSize(3);
    assertThat(models.get(0).name()).isEqualTo("a");
    assertThat(models.get(0).source().run()).isEqualTo(dir.resolve("runs/r20").toAbsolutePath());
    assertThat(models.get(0).maxBatch()).isEqualTo(32);
    assertThat(models.get(1).source().weights()).isEqualTo(Path.of("/abs/fn.safetensors"));
    assertThat(models.get(1).maxBatch()).isEqualTo(16);
    assertThat(models.get(1).queue()).isEqualTo(64);
    assertThat(models.get(1).engine()).isEqualTo(Engine.ONNXRUNTIME);
    assertThat(models.get(1).threads()).isEqualTo(2);
    assertThat(models.get(2).source().pretrained()).isTrue();
    assertThat(models.get(2).maxDelayMs()).isEqualTo(5);
  }

  @Test
  void mistakesAreNamedWithTheirModel() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"models\": [{\"run\": \"r\"}, {\"run\": \"r\", \"max_bacth\": 4}]}");
    assertThatThrownBy(() -> ModelConfigFile.read(file, 32, 5, 256, null, 0))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("model 2")
        .hasMessageContaining("max_bacth");
    Files.writeString(file, "{\"models\": [{\"run\": \"r\", \"queue\": 4}]}");
    assertThatThrownBy(() -> ModelConfigFile.read(file, 32, 5, 256, null, 0))
        .hasMessageContaining("queue must hold at least");
    Files.writeString(file, "{\"models\": [");
    assertThatThrownBy(() -> ModelConfigFile.read(file, 32, 5, 256, null, 0))
        .hasMessageContaining("not valid JSON");
    Files.writeString(file, "{\"models\": [{\"weights\": \"w\", \"engine\": \"tensorflow\"}]}");
    assertThatThrownBy(() -> ModelConfigFile.read(file, 32, 5, 256, null, 0))
        .hasMessageContaining("libtorch or onnxruntime");
  }

  @Test
  void serveUsageErrorsExit2WithOneLine() {
    for (String[] args :
        new String[][] {
          {"serve"}, {"serve", "--run", "r", "--max-body-mb", "0"}, {"serve", "--run", "r", "--port", "70000"}
        }) {
      StringWriter err = new StringWriter();
      int code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
      assertThat(code).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).isNotBlank();
    }
    StringWriter err = new StringWriter();
    int code =
        Main.run(
            new String[] {"serve", "--run", dir.resolve("missing").toString(), "--port", "0"},
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(code).isEqualTo(1);
    assertThat(err.toString().strip()).startsWith("error: ").doesNotContain("\n");
  }
}
