package io.densefractal.models.densenet;

import io.densefractal.models.ModelZoo;
import io.densefractal.testing.ZooParity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Our DenseNets against torchvision 0.14 (ImageNet models) and the paper's CIFAR structure written
 * in PyTorch (src/test/python/reference.py): eval and train mode, both .pth formats, and a file
 * with torchvision's old-style keys ({@code denselayer1.norm.1.weight}).
 */
class DenseNetParityTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {
        "densenet121",
        "densenet161",
        "densenet169",
        "densenet201",
        "densenet40_k12",
        "densenet_bc100_k12"
      })
  void logitsMatchReferenceInEveryFileFlavour(String name) {
    List<String> args = new ArrayList<>(List.of(ZooParity.standardInputs(ModelZoo.get(name))));
    args.add("--train");
    args.add("--old-keys");
    ZooParity.make(name, dir, args.toArray(new String[0]));
    ZooParity.checkEvalAndTrain(
        name, dir, List.of("weights_zip.pth", "weights_legacy.pth", "weights_oldkeys.pth"));
  }
}
