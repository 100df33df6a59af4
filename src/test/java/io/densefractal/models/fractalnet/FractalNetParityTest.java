package io.densefractal.models.fractalnet;

import static io.densefractal.testing.Close.assertClose;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.testing.ZooParity;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.npy.Npy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FractalNet against a PyTorch definition with the same keys (src/test/python/reference.py): eval
 * logits from both .pth formats, and every column alone. Training mode is random (drop-path), so it
 * is covered by FractalNetTest instead.
 */
class FractalNetParityTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"fractalnet20", "fractalnet40"})
  void evalLogitsAndColumnsMatchReference(String name) {
    ModelSpec spec = ModelZoo.get(name);
    ZooParity.make(name, dir, ZooParity.standardInputs(spec));
    for (String file : List.of("weights_zip.pth", "weights_legacy.pth")) {
      try (NDManager manager = NDManager.newBaseManager()) {
        FractalNet net =
            (FractalNet) ZooParity.loaded(spec, WeightFiles.read(dir.resolve(file)), manager);
        for (int i = 0; i < 2; i++) {
          float[] actual =
              ZooParity.forward(net, manager, dir.resolve("input_" + i + ".npy"), false);
          float[] expected = Npy.read(dir.resolve("eval_" + i + ".npy")).toFloatArray();
          ZooParity.report(name, file + " eval input " + i, actual, expected);
          assertClose(name + " " + file + " eval " + i, actual, expected, ZooParity.EVAL_TOLERANCE);
        }
        for (int c = 1; c <= net.columns(); c++) {
          Block column = net.column(c);
          float[] actual = ZooParity.forward(column, manager, dir.resolve("input_0.npy"), false);
          float[] expected = Npy.read(dir.resolve("column_" + c + ".npy")).toFloatArray();
          ZooParity.report(name, file + " column " + c, actual, expected);
          assertClose(name + " column " + c, actual, expected, ZooParity.EVAL_TOLERANCE);
        }
        if (file.equals("weights_zip.pth")) {
          // Our export goes back into the PyTorch model (strict, weights_only) with equal logits.
          ZooParity.checkExportLoadsInReference(
              name, dir, net, Npy.read(dir.resolve("eval_0.npy")).toFloatArray());
        }
      }
    }
  }
}
