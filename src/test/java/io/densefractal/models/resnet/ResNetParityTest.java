package io.densefractal.models.resnet;

import static io.densefractal.testing.Close.assertClose;
import static io.densefractal.testing.Close.relativeMaxDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.testing.OneDnnCap;
import io.densefractal.testing.ZooParity;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.block.NDArrays;
import io.densefractal.weights.block.TorchKeys;
import io.densefractal.weights.npy.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our ResNets against torchvision 0.14 (and, for the CIFAR models torchvision lacks, the reference
 * definition in src/test/python/reference.py): same weights, same logits.
 */
class ResNetParityTest {
  static final double GRAD_TOLERANCE = 1e-3;

  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "resnext50_32x4d",
        "resnext101_32x8d",
        "resnext101_64x4d",
        "wide_resnet50_2",
        "wide_resnet101_2",
        "resnet20_cifar",
        "resnet56_cifar",
        "resnet110_cifar"
      })
  void logitsMatchReferenceInBothPthFormats(String name) {
    List<String> args = new ArrayList<>(List.of(ZooParity.standardInputs(ModelZoo.get(name))));
    args.add("--train");
    ZooParity.make(name, dir, args.toArray(new String[0]));
    ZooParity.checkEvalAndTrain(name, dir, List.of("weights_zip.pth", "weights_legacy.pth"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"resnet18", "resnext50_32x4d", "resnet56_cifar"})
  void crossEntropyGradientsMatchReference(String name) {
    OneDnnCap.requireUncappedForGradientParity("gradient parity of " + name);
    ModelSpec spec = ModelZoo.get(name);
    int s = spec.inputSize() == 224 ? 96 : 32;
    ZooParity.make(name, dir, "--inputs", "4x3x" + s + "x" + s, "--grads");
    StateDict grads = WeightFiles.read(dir.resolve("train_grads.pth"));
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block =
          ZooParity.loaded(spec, WeightFiles.read(dir.resolve("weights_zip.pth")), manager);
      NDArray x = NDArrays.toFloat32(Npy.read(dir.resolve("input_0.npy")), manager);
      long[] target = Npy.read(dir.resolve("train_target.npy")).toLongArray();
      try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
        NDArray logits =
            block
                .forward(new ParameterStore(manager, false), new NDList(x), true)
                .singletonOrThrow();
        NDArray oneHot = manager.create(target).oneHot((int) logits.getShape().get(1));
        NDArray loss = logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
        collector.backward(loss);
      }
      Map<String, Parameter> params = TorchKeys.parameters(block);
      assertThat(grads.keys()).allMatch(params::containsKey);
      double worst = 0;
      for (String key : grads.keys()) {
        float[] actual = params.get(key).getArray().getGradient().toFloatArray();
        float[] expected = grads.get(key).toFloatArray();
        worst = Math.max(worst, relativeMaxDiff(actual, expected));
        assertClose(name + " grad " + key, actual, expected, GRAD_TOLERANCE);
      }
      System.out.printf(
          Locale.ROOT,
          "PARITY %s gradients of %d tensors: worst rel %.3g%n",
          name,
          grads.size(),
          worst);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"resnet18", "resnext50_32x4d", "resnet20_cifar"})
  void exportedPthLoadsStrictlyIntoReference(String name) {
    ModelSpec spec = ModelZoo.get(name);
    int s = spec.inputSize();
    ZooParity.make(name, dir, "--inputs", "2x3x" + s + "x" + s);
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block =
          ZooParity.loaded(spec, WeightFiles.read(dir.resolve("weights_zip.pth")), manager);
      float[] ours = ZooParity.forward(block, manager, dir.resolve("input_0.npy"), false);
      ZooParity.checkExportLoadsInReference(name, dir, block, ours);
    }
  }
}
