package io.densefractal.train;

import static io.densefractal.testing.Close.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.testing.PythonReference;
import io.densefractal.testing.ZooParity;
import io.densefractal.weights.NDArrays;
import io.densefractal.weights.Npy;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.TorchKeys;
import io.densefractal.weights.WeightFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The training loop's pieces — forward in training mode, cross-entropy, backward (standard and
 * memory-efficient), {@link Sgd} with Nesterov momentum and weight decay — retrace PyTorch's
 * trajectory: from the same weights on the same batches, each step's loss and the weights and
 * BatchNorm statistics after the last step agree with torch.optim.SGD's. So a gap between the two
 * sides' accuracies in docs/RESULTS.md is not a difference in what a step does.
 */
class TrainingParityTest {
  static final String MODEL = "densenet_bc100_k12"; // the DenseNet recipe's own model
  static final int STEPS = 4;
  static final double LR = 0.1;

  @ParameterizedTest(name = "memory-efficient = {0}")
  @ValueSource(booleans = {false, true})
  void sgdStepsFollowPyTorchsTrajectory(boolean memoryEfficient, @TempDir Path dir)
      throws IOException {
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
    String manifest = Files.readString(dir.resolve("manifest.json"));
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = ZooParity.loaded(spec, WeightFiles.read(dir.resolve("initial.pth")), manager);
      Map<String, Parameter> params = TorchKeys.parameters(block);
      ParameterStore ps = new ParameterStore(manager, false);
      try (Sgd sgd = new Sgd(params, 0.9, true, 1e-4, manager)) {
        for (int step = 0; step < STEPS; step++) {
          try (NDManager scope = manager.newSubManager()) {
            NDArray x = array(dir.resolve("x_" + step + ".npy"), scope);
            long[] labels = Npy.read(dir.resolve("y_" + step + ".npy")).toLongArray();
            NDArray target = scope.create(labels).oneHot(classes);
            Trainer.StepOutput o =
                Trainer.step(block, ps, x, Trainer.crossEntropy(target), step, memoryEfficient);
            sgd.step(LR);
            double expected = loss(manifest, step);
            assertThat((double) o.loss())
                .as("loss of step %d", step)
                .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4 * expected));
          }
        }
      }
      StateDict fin = WeightFiles.read(dir.resolve("final.pth"));
      for (String key : fin.keys()) {
        if (key.endsWith(TorchKeys.NUM_BATCHES_TRACKED)) {
          continue;
        }
        assertClose(
            MODEL + " " + key + " after " + STEPS + " steps",
            params.get(key).getArray().toFloatArray(),
            fin.get(key).toFloatArray(),
            1e-4);
      }
    }
  }

  private static NDArray array(Path npy, NDManager manager) {
    Tensor t = Npy.read(npy);
    return NDArrays.toFloat32(t, manager).reshape(new Shape(t.shape()));
  }

  /** The {@code step}th entry of the manifest's "losses" list. */
  private static double loss(String manifest, int step) {
    String list = manifest.substring(manifest.indexOf('[') + 1, manifest.indexOf(']'));
    return Double.parseDouble(list.split(",")[step].strip().toLowerCase(Locale.ROOT));
  }
}
