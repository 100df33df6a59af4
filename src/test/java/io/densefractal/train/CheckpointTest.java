package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.files.AtomicFiles;
import io.densefractal.models.MemoryFormat;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.safetensors.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest {
  private static Checkpoint checkpoint(int epochs, float value) {
    StateDict model = new StateDict();
    model.put("fc.weight", Tensor.ofFloats(new long[] {2}, new float[] {value, -value}));
    WeightsMetadata.tag(model, "resnet20_cifar", 10, 1);
    StateDict optimizer = new StateDict();
    optimizer.put(Sgd.STATE_PREFIX + "fc.weight", Tensor.ofFloats(new long[] {2}, new float[2]));
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", Recipe.named("resnet-cifar")).seed(3).build();
    return new Checkpoint(
        model,
        optimizer,
        new TrainingState(config, List.of("a", "b"), epochs, 40L * epochs, 0.5, 1));
  }

  @Test
  void roundTripsWeightsOptimizerAndState(@TempDir Path dir) {
    Path file = dir.resolve("c.safetensors");
    checkpoint(2, 1.5f).write(file);
    Checkpoint back = Checkpoint.read(file);
    assertThat(back.state()).isEqualTo(checkpoint(2, 1.5f).state());
    assertThat(back.model().get("fc.weight").toFloatArray()).containsExactly(1.5f, -1.5f);
    assertThat(back.model().keys()).containsExactly("fc.weight");
    assertThat(back.optimizer().keys()).containsExactly(Sgd.STATE_PREFIX + "fc.weight");
    assertThat(back.model().metadata()).containsEntry(WeightsMetadata.MODEL, "resnet20_cifar");
  }

  @Test
  void checkpointsFromBeforeTheMemoryFormatFieldResumeInTheDefaultLayout(@TempDir Path dir) {
    Path file = dir.resolve("c.safetensors");
    checkpoint(1, 1f).write(file);
    StateDict all = SafeTensors.read(file);
    String json = all.metadata().get(Checkpoint.META_STATE);
    assertThat(json).contains("\"memoryFormat\":\"AUTO\"");
    all.putMetadata(Checkpoint.META_STATE, json.replace(",\"memoryFormat\":\"AUTO\"", ""));
    SafeTensors.write(all, file);
    assertThat(Checkpoint.read(file).state().config().memoryFormat()).isEqualTo(MemoryFormat.AUTO);
  }

  @Test
  void aWriteKilledHalfwayLeavesTheLastCheckpointIntact(@TempDir Path dir) throws IOException {
    Path file = dir.resolve(Trainer.LAST);
    checkpoint(1, 1f).write(file);
    byte[] good = Files.readAllBytes(file);
    // The process "dies" after writing half of the next checkpoint into the temp file.
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    file,
                    out -> {
                      out.write(good, 0, good.length / 2);
                      throw new IllegalStateException("killed");
                    }))
        .hasMessage("killed");
    assertThat(Files.readAllBytes(file)).isEqualTo(good);
    assertThat(Checkpoint.read(file).state().epochsDone()).isEqualTo(1);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(file); // no temp file left behind
    }
  }

  @Test
  void clearErrorsForWeightsFilesAndDamage(@TempDir Path dir) throws IOException {
    Path weights = dir.resolve("w.safetensors");
    SafeTensors.write(checkpoint(1, 1f).model(), weights);
    assertThatThrownBy(() -> Checkpoint.read(weights))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("not a training checkpoint");
    Path truncated = dir.resolve("t.safetensors");
    checkpoint(1, 1f).write(truncated);
    byte[] all = Files.readAllBytes(truncated);
    Files.write(truncated, java.util.Arrays.copyOf(all, all.length - 3));
    assertThatThrownBy(() -> Checkpoint.read(truncated)).isInstanceOf(DenseFractalException.class);
    assertThatThrownBy(() -> Checkpoint.read(dir.resolve("none")))
        .hasMessageContaining("no checkpoint");
  }
}
