package io.densefractal.train;

import static io.densefractal.testing.Close.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.testing.OneDnnCap;
import io.densefractal.testing.PythonReference;
import io.densefractal.testing.ZooParity;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.block.TorchKeys;
import io.densefractal.weights.npy.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One training step — forward in training mode, cross-entropy, backward (standard or
 * memory-efficient), {@link Sgd} with Nesterov momentum and weight decay — does what PyTorch's
 * does: started from the state (weights, BatchNorm statistics, momentum buffers) torch.optim.SGD
 * had before each of several steps, on the same batch, it gives the same loss and the same state
 * after the step. Each step starts from PyTorch's state rather than from our previous step because
 * a trajectory on random data is chaotic: PyTorch itself, run with 1 and with 2 threads, differs by
 * 0.2 % in the loss of its third step here. So a gap between the two sides' accuracies in
 * docs/RESULTS.md is not a difference in what a step does.
 */
class TrainingParityTest {
  static final String MODEL = "densenet_bc100_k12"; // the DenseNet recipe's own model
  static final int STEPS = 3;
  static final double LR = 0.1;
  static final double TOLERANCE = 1e-4;

  @ParameterizedTest(name = "memory-efficient = {0}")
  @ValueSource(booleans = {false, true})
  void eachSgdStepEqualsPyTorchs(boolean memoryEfficient, @TempDir Path dir) throws IOException {
    OneDnnCap.requireUncappedForGradientParity("SGD step parity of " + MODEL);
    ModelSpec spec = ModelZoo.get(MODEL);
    int classes = spec.defaults().numClasses();
    PythonReference.run(
        "reference.py",
        "train-steps",
        "--model",
        MODEL,
        "--num-classes",
        Integer.toString(classes),
        "--out",
        dir.toString(),
        "--steps",
        Integer.toString(STEPS),
        "--lr",
        Double.toString(LR),
        "--momentum",
        "0.9",
        "--nesterov",
        "--wd",
        "1e-4");
    JsonArray losses =
        JsonParser.parseString(Files.readString(dir.resolve("manifest.json")))
            .getAsJsonObject()
            .getAsJsonArray("losses");
    for (int step = 0; step < STEPS; step++) {
      try (NDManager manager = NDManager.newBaseManager()) {
        Block block =
            ZooParity.loaded(
                spec, WeightFiles.read(dir.resolve("weights_" + step + ".pth")), manager);
        Map<String, Parameter> params = TorchKeys.parameters(block);
        try (Sgd sgd = new Sgd(params, 0.9, true, 1e-4, manager)) {
          if (step > 0) { // no momentum buffers before the first step
            sgd.load(WeightFiles.read(dir.resolve("momentum_" + step + ".pth")));
          }
          NDArray x = ZooParity.npyArray(dir.resolve("x_" + step + ".npy"), manager);
          long[] labels = Npy.read(dir.resolve("y_" + step + ".npy")).toLongArray();
          NDArray target = manager.create(labels).oneHot(classes);
          TrainingStep.Output o =
              TrainingStep.run(
                  block,
                  new ParameterStore(manager, false),
                  x,
                  Trainer.crossEntropy(target),
                  step,
                  memoryEfficient);
          sgd.step(LR);
          double expected = losses.get(step).getAsDouble();
          assertThat((double) o.loss())
              .as("loss of step %d", step)
              .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5 * expected));
          String after = " after step " + step;
          StateDict weights = WeightFiles.read(dir.resolve("weights_" + (step + 1) + ".pth"));
          for (String key : weights.keys()) {
            if (!key.endsWith(TorchKeys.NUM_BATCHES_TRACKED)) {
              assertClose(
                  key + after,
                  params.get(key).getArray().toFloatArray(),
                  weights.get(key).toFloatArray(),
                  TOLERANCE);
            }
          }
          StateDict momentum = WeightFiles.read(dir.resolve("momentum_" + (step + 1) + ".pth"));
          StateDict ours = sgd.state();
          assertThat(ours.keys()).containsExactlyInAnyOrderElementsOf(momentum.keys());
          for (String key : momentum.keys()) {
            assertClose(
                key + after,
                ours.get(key).toFloatArray(),
                momentum.get(key).toFloatArray(),
                TOLERANCE);
          }
        }
      }
    }
  }
}
