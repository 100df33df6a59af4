package io.densefractal.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.safetensors.SafeTensors;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop on tiny subsets of the bundled Fashion-MNIST demo set: it learns, resumes bit-exactly,
 * stops on a diverged loss keeping the last good checkpoint, and its files are complete.
 */
class TrainerTest {
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();
  private final Trainer trainer =
      new Trainer(new PrintStream(log, true, StandardCharsets.UTF_8), false);

  private static TrainConfig.Builder tiny(String model, int epochs) {
    Recipe recipe =
        Recipe.named("densenet").toBuilder()
            .epochs(epochs)
            .batchSize(32)
            .learningRate(0.05)
            .build();
    return TrainConfig.builder(model, "demo", recipe).limitTrain(400).limitTest(200).seed(7);
  }

  @Test
  void learnsAndWritesEverything(@TempDir Path dir) throws Exception {
    TrainResult r = trainer.start(tiny("resnet20_cifar", 3).limitTrain(1000).build(), dir);
    List<EpochMetrics> h = r.history();
    assertThat(h).hasSize(3);
    assertThat(h.get(2).trainLoss()).isLessThan(h.get(0).trainLoss());
    assertThat(h.get(2).testAccuracy()).isGreaterThan(0.5); // chance is 0.1
    for (String f :
        List.of(
            Trainer.LAST,
            Trainer.BEST,
            "state.json",
            "metrics.csv",
            "metrics.jsonl",
            StepLog.FILE,
            "loss.png",
            "accuracy.png",
            "confusion.png")) {
      assertThat(dir.resolve(f)).isRegularFile();
    }
    assertThat(r.state().epochsDone()).isEqualTo(3);
    assertThat(r.state().globalStep()).isEqualTo(3 * ((1000 + 31) / 32));
    // Ten points per epoch at most: 32 steps an epoch, one point every 4 steps.
    List<StepPoint> steps = new StepLog(dir).read();
    assertThat(steps).hasSize(3 * 8);
    assertThat(steps.get(0).step()).isEqualTo(4);
    assertThat(steps.get(7).epoch()).isEqualTo(1.0);
    assertThat(steps.get(23).step()).isEqualTo(r.state().globalStep());
    assertThat(steps.get(23).trainLoss()).isLessThan(steps.get(0).trainLoss());
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("epoch 3/3");
    // A started run is not overwritten.
    assertThatThrownBy(() -> trainer.start(tiny("resnet20_cifar", 3).build(), dir))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("--resume");
    // The evaluation of a finished run reproduces the recorded accuracy of its best epoch.
    try (TrainedRun run = TrainedRun.open(dir, true)) {
      assertThat(run.evaluate(null).top1()).isEqualTo(r.state().bestAccuracy());
    }
  }

  @Test
  void resumeIsBitExact(@TempDir Path dir) {
    TrainConfig config = tiny("densenet_bc22_k12", 2).build();
    Path straight = dir.resolve("straight");
    Path resumed = dir.resolve("resumed");
    trainer.start(config, straight);
    trainer.start(config, resumed, 1); // interrupted after one epoch
    assertThat(Checkpoint.read(resumed.resolve(Trainer.LAST)).state().epochsDone()).isEqualTo(1);
    // As if it had died in the second epoch after logging some of it: the resume drops that.
    long done = Checkpoint.read(resumed.resolve(Trainer.LAST)).state().globalStep();
    new StepLog(resumed).append(new StepPoint(done + 1, 1.1, 0.05, 9.9, 0.5));
    trainer.resume(resumed, null);
    Map<String, Tensor> a = SafeTensors.read(straight.resolve(Trainer.LAST)).tensors();
    Map<String, Tensor> b = SafeTensors.read(resumed.resolve(Trainer.LAST)).tensors();
    assertThat(b.keySet()).isEqualTo(a.keySet()).anyMatch(k -> k.startsWith(Sgd.STATE_PREFIX));
    for (String key : a.keySet()) {
      assertThat(b.get(key).buffer()).as(key).isEqualTo(a.get(key).buffer());
    }
    assertThat(new MetricsLog(resumed).read()).hasSize(2);
    assertThat(new StepLog(resumed).read()).isEqualTo(new StepLog(straight).read());
    assertThatThrownBy(() -> trainer.resume(resumed, null))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("finished");
  }

  @Test
  void divergedLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
    trainer.start(tiny("resnet20_cifar", 3).limitTrain(200).build(), dir, 1);
    byte[] good = Files.readAllBytes(dir.resolve(Trainer.LAST));
    // Resume with an absurd learning rate: the loss overflows within a few steps.
    assertThatThrownBy(() -> trainer.resume(dir, r -> r.toBuilder().learningRate(1e12).build()))
        .isInstanceOf(TrainingDivergedException.class)
        .hasMessageContaining("diverged at epoch 2")
        .hasMessageContaining("epoch 1) is kept");
    assertThat(Files.readAllBytes(dir.resolve(Trainer.LAST))).isEqualTo(good);
    assertThat(new MetricsLog(dir).read()).hasSize(1);
  }

  @Test
  void memoryEfficientTrainingFollowsStandardTraining(@TempDir Path dir) {
    TrainConfig standard = tiny("densenet_bc22_k12", 1).limitTrain(128).limitTest(64).build();
    trainer.start(standard, dir.resolve("standard"));
    trainer.start(standard.toBuilder().memoryEfficient(true).build(), dir.resolve("efficient"));
    Map<String, Tensor> a =
        SafeTensors.read(dir.resolve("standard").resolve(Trainer.LAST)).tensors();
    Map<String, Tensor> b =
        SafeTensors.read(dir.resolve("efficient").resolve(Trainer.LAST)).tensors();
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String key : a.keySet()) {
      if (key.endsWith("num_batches_tracked")) {
        continue;
      }
      float[] x = a.get(key).toFloatArray();
      float[] y = b.get(key).toFloatArray();
      double maxDiff = 0;
      double maxAbs = 1e-12;
      for (int i = 0; i < x.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
        maxAbs = Math.max(maxAbs, Math.abs(x[i]));
      }
      // Two SGD steps from the same start: recomputation changes only rounding.
      assertThat(maxDiff / maxAbs).as(key).isLessThan(1e-4);
    }
  }
}
