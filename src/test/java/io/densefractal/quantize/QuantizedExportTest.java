package io.densefractal.quantize;

import static io.densefractal.onnx.OnnxFixtures.randomModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import io.densefractal.data.DataSplits;
import io.densefractal.data.Datasets;
import io.densefractal.data.TransformSpec;
import io.densefractal.models.ModelOptions;
import io.densefractal.onnx.OnnxExport;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import io.densefractal.testing.PythonReference;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.block.ModelWeights;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * int8 QDQ export of each family (CIFAR ResNet with its zero-padding shortcut, an ImageNet-stem
 * ResNet with max pooling and projections, a DenseNet-BC, FractalNet whole and one column),
 * calibrated on the bundled Fashion-MNIST subset: ONNX Runtime's profile shows every convolution
 * ran as {@code QLinearConv} (a float fallback fails), additions as {@code QLinearAdd} and
 * concatenations as {@code QLinearConcat}; the outputs follow the float graph's; the files pass
 * {@code onnx.checker} and say in their metadata how they were quantized.
 */
class QuantizedExportTest {
  @TempDir Path dir;

  private static final List<String> FLOAT_KERNELS =
      List.of("Conv", "FusedConv", "Add", "Sum", "Concat", "Mean", "BatchNormalization");

  @Test
  void everyFamilyRunsOnInt8Kernels() throws Exception {
    DataSplits demo = Datasets.open("demo", null, 0.2, 0);
    List<Path> files = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      record Case(String model, int channels, int size, int column, List<String> expected) {}
      List<Case> cases =
          List.of(
              new Case("resnet20_cifar", 1, 28, 0, List.of("QLinearConv", "QLinearAdd")),
              new Case("resnet18", 3, 64, 0, List.of("QLinearConv", "QLinearAdd")),
              new Case("densenet_bc22_k12", 1, 28, 0, List.of("QLinearConv", "QLinearConcat")),
              new Case("fractalnet20", 1, 32, 0, List.of("QLinearConv", "QLinearAdd")),
              new Case("fractalnet20", 1, 32, 1, List.of("QLinearConv")));
      for (Case c : cases) {
        Block net = randomModel(c.model(), new ModelOptions(10, c.channels()), manager, 7);
        OnnxMetadata meta = metadata(c.model(), c.column(), c.channels(), c.size());
        CalibrationImages images =
            new CalibrationImages(
                demo.train(), meta.transforms().eval(), 64, 16, "demo training split");
        ModelProto q =
            QuantizedExport.of(net, meta, false, images, CalibrationMethod.percentile, 2);
        Path file = dir.resolve(c.model() + "-" + c.column() + ".onnx");
        Files.write(file, q.toByteArray());
        files.add(file);
        Map<String, String> props = new HashMap<>();
        for (StringStringEntryProto p : q.getMetadataPropsList()) {
          props.put(p.getKey(), p.getValue());
        }
        assertThat(props).containsEntry(QuantizedExport.QUANTIZED, "int8");
        assertThat(props).containsEntry(QuantizedExport.METHOD, "percentile");
        assertThat(props).containsEntry(QuantizedExport.IMAGES, "64");
        assertThat(OnnxMetadata.fromProperties(props).model()).isEqualTo(c.model());

        long convs =
            OnnxExport.of(net, meta).getGraph().getNodeList().stream()
                .filter(n -> List.of("Conv", "BatchNormalization").contains(n.getOpType()))
                .count();
        Map<String, Integer> kernels = profiledKernels(file, c.size(), c.channels());
        String what = c.model() + " column " + c.column() + " ran " + kernels;
        assertThat(kernels.keySet()).as(what).containsAll(c.expected());
        assertThat(kernels.keySet()).as(what).doesNotContainAnyElementsOf(FLOAT_KERNELS);
        assertThat(kernels.get("QLinearConv")).as(what).isEqualTo((int) convs);

        // The int8 graph computes the float graph's function, up to quantization error.
        float[] x = new float[32 * c.channels() * c.size() * c.size()];
        images.forEach((batch, n) -> {
          if (n == images.batch()) {
            System.arraycopy(batch, 0, x, 0, Math.min(x.length, batch.length));
          }
        });
        long[] shape = {32, c.channels(), c.size(), c.size()};
        float[] ref = logits(OnnxExport.of(net, meta).toByteArray(), x, shape);
        float[] got = logits(q.toByteArray(), x, shape);
        double maxRef = 0;
        double maxDiff = 0;
        for (int i = 0; i < ref.length; i++) {
          maxRef = Math.max(maxRef, Math.abs(ref[i]));
          maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
        }
        System.out.printf("%s: int8 max|diff|/max|ref| %.4f%n", what, maxDiff / maxRef);
        assertThat(maxDiff / maxRef).as(what).isLessThan(0.1);
      }
    }
    PythonReference.run(
        "onnx_check.py", files.stream().map(Path::toString).toArray(String[]::new));
  }

  @Test
  void brokenCalibrationLeavesNoFileAndKeepsAnOldOne() throws Exception {
    DataSplits demo = Datasets.open("demo", null, 0.2, 0);
    try (NDManager manager = NDManager.newBaseManager()) {
      Block net = randomModel("resnet20_cifar", new ModelOptions(10, 1), manager, 3);
      StateDict sd = ModelWeights.stateDict(net);
      Tensor var = sd.get("layer2.0.bn1.running_var");
      float[] v = var.toFloatArray();
      v[0] = Float.NaN;
      sd.put("layer2.0.bn1.running_var", Tensor.ofFloats(var.shape(), v));
      ModelWeights.load(net, sd, true);
      OnnxMetadata meta = metadata("resnet20_cifar", 0, 1, 28);
      CalibrationImages images =
          new CalibrationImages(demo.train(), meta.transforms().eval(), 8, 8, "demo");
      Path fresh = dir.resolve("fresh.onnx");
      Path old = dir.resolve("old.onnx");
      Files.writeString(old, "a good file");
      for (Path target : List.of(fresh, old)) {
        assertThatThrownBy(
                () ->
                    QuantizedExport.write(
                        net, meta, target, false, images, CalibrationMethod.minmax, 2))
            .isInstanceOf(DenseFractalException.class)
            .hasMessageContaining("non-finite");
      }
      assertThat(fresh).doesNotExist();
      assertThat(Files.readString(old)).isEqualTo("a good file");
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("old.onnx");
      }
    }
  }

  @Test
  void tooFewImagesIsAUsageError() {
    DataSplits demo = Datasets.open("demo", null, 0.2, 0);
    assertThatThrownBy(
            () ->
                new CalibrationImages(
                    demo.train(), demo.transforms().eval(), demo.train().size() + 1, 8, "demo"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("fewer than --calibration-images");
  }

  private static float[] logits(byte[] model, float[] x, long[] shape) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = env.createSession(model, options);
          OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
          OrtSession.Result r = session.run(Map.of(OnnxMetadata.INPUT, t))) {
        FloatBuffer b = ((OnnxTensor) r.get("logits").orElseThrow()).getFloatBuffer();
        float[] v = new float[b.remaining()];
        b.get(v);
        return v;
      }
    }
  }

  /** Op type → how many nodes of it ran once, from ONNX Runtime's profile of one forward. */
  private Map<String, Integer> profiledKernels(Path file, int size, int channels)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path trace;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.enableProfiling(dir.resolve("profile").toString());
      try (OrtSession session = env.createSession(file.toString(), options)) {
        float[] x = new float[channels * size * size];
        long[] shape = {1, channels, size, size};
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
            OrtSession.Result r = session.run(Map.of(OnnxMetadata.INPUT, t))) {
          assertThat(r.size()).isPositive();
        }
        trace = Path.of(session.endProfiling());
      }
    }
    JsonArray events = JsonParser.parseString(Files.readString(trace)).getAsJsonArray();
    Files.delete(trace);
    Map<String, Integer> ops = new TreeMap<>();
    for (JsonElement e : events) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("cat").getAsString().equals("Node")
          && o.get("name").getAsString().endsWith("_kernel_time")) {
        String op = o.getAsJsonObject("args").get("op_name").getAsString();
        ops.merge(op, 1, Integer::sum);
      }
    }
    return ops;
  }

  static OnnxMetadata metadata(String model, int column, int channels, int size) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      names.add("class" + i);
    }
    float[] mean = new float[channels];
    float[] std = new float[channels];
    java.util.Arrays.fill(mean, 0.2860f);
    java.util.Arrays.fill(std, 0.3530f);
    return new OnnxMetadata(
        model,
        OnnxMetadata.Output.LOGITS,
        column,
        names,
        "demo",
        new TransformSpec(channels, size, mean, std, 0, false, 0));
  }
}
