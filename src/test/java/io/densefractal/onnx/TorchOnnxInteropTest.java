package io.densefractal.onnx;

import static io.densefractal.testing.Close.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.onnx.OnnxMetadata.Output;
import io.densefractal.testing.PythonReference;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.block.ModelWeights;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same torchvision weights exported by torch 1.13's {@code torch.onnx.export}
 * (src/test/python/torch_onnx_export.py, logits and embedding outputs) and by us give the same ONNX
 * Runtime outputs on the same input (max|diff|/max|ref| below 1e-4), at batch 1 and a dynamic batch
 * of 3.
 */
class TorchOnnxInteropTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"resnet18"})
  void ourExportAndTorchsGiveTheSameOutputs(String name) throws Exception {
    PythonReference.run(
        "torch_onnx_export.py", "--model", name, "--num-classes", "10", "--size", "64", "--out",
        dir.toString(), "--pth", "--embedding");
    Path ours = dir.resolve(name + "-ours.onnx");
    ModelSpec spec = ModelZoo.get(name);
    try (NDManager manager = NDManager.newBaseManager()) {
      ModelOptions options = new ModelOptions(10, 3, MemoryFormat.CONTIGUOUS);
      Block block = spec.create(options);
      ModelWeights.initialize(
          block, manager, spec.inputShape(options), WeightFiles.read(dir.resolve("weights.pth")),
          true);
      OnnxExport.write(block, OnnxFixtures.metadata(name, Output.LOGITS, 0, 10, 3, 64), ours);
    }
    List<long[]> shapes = List.of(new long[] {1, 3, 64, 64}, new long[] {3, 3, 64, 64});
    List<float[]> xs =
        List.of(OnnxFixtures.input(11, shapes.get(0)), OnnxFixtures.input(12, shapes.get(1)));
    List<Map<String, float[]>> torch =
        OnnxFixtures.ort(Files.readAllBytes(dir.resolve("model.onnx")), xs, shapes);
    List<Map<String, float[]>> us = OnnxFixtures.ort(Files.readAllBytes(ours), xs, shapes);
    for (int i = 0; i < shapes.size(); i++) {
      assertThat(torch.get(i).get("logits")).hasSize((int) shapes.get(i)[0] * 10);
      for (String output : List.of("logits", "embedding")) {
        assertClose(
            name + " " + output + " batch " + shapes.get(i)[0],
            us.get(i).get(output),
            torch.get(i).get(output),
            1e-4);
      }
    }
  }
}
