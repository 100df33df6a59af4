package io.densefractal.onnx;

import static io.densefractal.testing.Close.assertClose;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.Features;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.models.fractalnet.FractalNet;
import io.densefractal.models.fractalnet.FractalNetConfig;
import io.densefractal.onnx.OnnxMetadata.Output;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import io.densefractal.testing.ZooParity;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.npy.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our ONNX export run by ONNX Runtime gives our libtorch outputs (max|diff|/max|ref| below 1e-4)
 * for every family, each FractalNet column and the feature outputs, on a batch at the test size
 * and on a non-square odd size (exported with a dynamic size: N, H and W free). Files of each
 * family, a FractalNet column and the feature exports pass {@code
 * onnx.checker.check_model(full_check=True)}; the largest graphs (ResNeXt-50, the whole
 * FractalNet-20) are checked for their structure through a narrow FractalNet instead, to keep the
 * checker's minutes down.
 */
class OnnxExportTest {
  private static final double TOLERANCE = 1e-4;

  @TempDir Path dir;

  /** Exports {@code block}, compares both inputs' outputs with libtorch; returns the file. */
  private Path exportAndCompare(
      String name, Block block, NDManager manager, OnnxMetadata meta, int size) throws Exception {
    Path file = dir.resolve(name + "-" + meta.output().tensorName() + meta.column() + ".onnx");
    // Dynamic size: the parity shapes below are odd and differ from the recorded size.
    OnnxExport.write(block, meta, file, true);
    int c = meta.transforms().channels();
    // The odd shapes are the zoo parity tests': non-square, odd, through every strided layer.
    List<long[]> shapes =
        List.of(
            new long[] {2, c, size, size},
            size >= 64 ? new long[] {1, c, 97, 131} : new long[] {1, c, 33, 45});
    List<float[]> xs = new ArrayList<>();
    for (long[] shape : shapes) {
      xs.add(OnnxFixtures.input(shape[2], shape));
    }
    List<Map<String, float[]>> ort = OnnxFixtures.ort(Files.readAllBytes(file), xs, shapes);
    Block net =
        AnytimeNetwork.columnOrWhole(block, meta.column() == 0 ? null : meta.column(), name);
    for (int i = 0; i < shapes.size(); i++) {
      long[] shape = shapes.get(i);
      float[] x = xs.get(i);
      Map<String, float[]> out = ort.get(i);
      String what = name + " column " + meta.column() + " input " + Arrays.toString(shape);
      switch (meta.output()) {
        case LOGITS -> {
          assertThat(out.keySet()).containsExactly("logits", "embedding");
          assertClose(
              what + " logits",
              out.get("logits"),
              OnnxFixtures.libtorch(net, manager, x, shape),
              TOLERANCE);
          assertClose(
              what + " embedding",
              out.get("embedding"),
              OnnxFixtures.libtorch(Features.of(net, Features.Kind.POOLED), manager, x, shape),
              TOLERANCE);
        }
        case EMBEDDING -> {
          assertThat(out.keySet()).containsExactly("embedding");
          assertClose(
              what + " embedding",
              out.get("embedding"),
              OnnxFixtures.libtorch(Features.of(net, Features.Kind.POOLED), manager, x, shape),
              TOLERANCE);
        }
        case FEATURES -> {
          assertThat(out.keySet()).containsExactly("features");
          assertClose(
              what + " features",
              out.get("features"),
              OnnxFixtures.libtorch(Features.of(net, Features.Kind.UNPOOLED), manager, x, shape),
              TOLERANCE);
        }
      }
    }
    return file;
  }

  private Path exportClassifier(String name, int classes, int size) throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = OnnxFixtures.randomModel(name, new ModelOptions(classes, 3), manager, 1);
      return exportAndCompare(
          name, block, manager, OnnxFixtures.metadata(name, Output.LOGITS, 0, classes, 3, size), size);
    }
  }

  @Test
  void resnetsMatchLibtorchAndPassTheChecker() throws Exception {
    Path resnet18 = exportClassifier("resnet18", 10, 64);
    exportClassifier("resnext50_32x4d", 7, 64);
    Path cifar = exportClassifier("resnet20_cifar", 10, 32); // option-A shortcuts
    OnnxFixtures.check(List.of(resnet18, cifar));
  }

  @Test
  void densenetsMatchLibtorchAndPassTheChecker() throws Exception {
    exportClassifier("densenet121", 10, 64);
    Path bc = exportClassifier("densenet_bc100_k12", 10, 32);
    OnnxFixtures.check(List.of(bc));
  }

  /**
   * The plain CIFAR DenseNet (no bottleneck, no compression) against PyTorch itself: libtorch
   * 2.7.1's oneDNN kernels miscompute its 3×3 convolutions over 28, 40, ... channels on AVX-512
   * machines (NaN in NCHW, ~10 % off channels-last), so here the reference is torch 1.13.
   */
  @Test
  void plainDenseNetMatchesPyTorch() throws Exception {
    Path ref = dir.resolve("reference");
    ZooParity.make("densenet40_k12", ref, "--inputs", "2x3x32x32", "1x3x33x45");
    Path file = dir.resolve("densenet40_k12.onnx");
    ModelSpec spec = ModelZoo.get("densenet40_k12");
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = ZooParity.loaded(spec, WeightFiles.read(ref.resolve("weights_zip.pth")), manager);
      OnnxMetadata meta = OnnxFixtures.metadata("densenet40_k12", Output.LOGITS, 0, 10, 3, 32);
      OnnxExport.write(block, meta, file, true);
    }
    List<float[]> xs = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Tensor x = Npy.read(ref.resolve("input_" + i + ".npy"));
      xs.add(x.toFloatArray());
      shapes.add(x.shape());
    }
    List<Map<String, float[]>> ort = OnnxFixtures.ort(Files.readAllBytes(file), xs, shapes);
    for (int i = 0; i < 2; i++) {
      assertClose(
          "densenet40_k12 input " + i,
          ort.get(i).get("logits"),
          Npy.read(ref.resolve("eval_" + i + ".npy")).toFloatArray(),
          TOLERANCE);
    }
    OnnxFixtures.check(List.of(file));
  }

  @Test
  void fractalnetWholeAndEachColumnMatchLibtorch() throws Exception {
    List<Path> columns = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = OnnxFixtures.randomModel("fractalnet20", new ModelOptions(10, 3), manager, 2);
      for (int column = 0; column <= 3; column++) {
        OnnxMetadata meta = OnnxFixtures.metadata("fractalnet20", Output.LOGITS, column, 10, 3, 32);
        Path file = exportAndCompare("fractalnet20", block, manager, meta, 32);
        if (column == 1) {
          columns.add(file);
        }
      }
    }
    OnnxFixtures.check(columns);
  }

  @Test
  void narrowFractalNetPassesTheChecker() throws Exception {
    // fractalnet20's structure (B=5, C=3, joins, pool before the last join) at a tenth of the
    // widths, so the checker reads megabytes, not 156 MB.
    FractalNetConfig paper = FractalNetConfig.paper(3);
    FractalNetConfig narrow =
        new FractalNetConfig(
            3,
            List.of(8, 16, 16, 32, 32),
            paper.dropRates(),
            paper.blockInput(),
            paper.poolBeforeLastJoin(),
            false,
            paper.localDrop(),
            paper.globalFraction(),
            false,
            10,
            3);
    try (NDManager manager = NDManager.newBaseManager()) {
      FractalNet net = new FractalNet(narrow, MemoryFormat.CONTIGUOUS);
      net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
      OnnxMetadata meta = OnnxFixtures.metadata("fractalnet20", Output.LOGITS, 0, 10, 3, 32);
      Path file = exportAndCompare("fractalnet-narrow", net, manager, meta, 32);
      OnnxFixtures.check(List.of(file));
    }
  }

  @Test
  void featureExportsMatchTheFeaturesViewAndPassTheChecker() throws Exception {
    List<Path> files = new ArrayList<>();
    try (NDManager manager = NDManager.newBaseManager()) {
      Block resnet = OnnxFixtures.randomModel("resnet20_cifar", new ModelOptions(10, 1), manager, 3);
      files.add(
          exportAndCompare(
              "resnet20_cifar",
              resnet,
              manager,
              OnnxFixtures.metadata("resnet20_cifar", Output.FEATURES, 0, 10, 1, 32),
              32));
      Block densenet =
          OnnxFixtures.randomModel("densenet_bc100_k12", new ModelOptions(10, 3), manager, 4);
      files.add(
          exportAndCompare(
              "densenet_bc100_k12",
              densenet,
              manager,
              OnnxFixtures.metadata("densenet_bc100_k12", Output.EMBEDDING, 0, 10, 3, 32),
              32));
      Block fractal = OnnxFixtures.randomModel("fractalnet20", new ModelOptions(10, 3), manager, 5);
      exportAndCompare(
          "fractalnet20",
          fractal,
          manager,
          OnnxFixtures.metadata("fractalnet20", Output.FEATURES, 2, 10, 3, 32),
          32);
    }
    ModelProto features = ModelProto.parseFrom(Files.readAllBytes(files.get(0)));
    assertThat(features.getGraph().getOutputList()).hasSize(1);
    assertThat(features.getGraph().getOutput(0).getType().getTensorType().getShape().getDimCount())
        .isEqualTo(4);
    OnnxFixtures.check(files);
  }

  @Test
  void fileCarriesOpsetProducerAndOurMetadata() throws Exception {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = OnnxFixtures.randomModel("resnet20_cifar", new ModelOptions(10, 3), manager, 6);
      OnnxMetadata meta = OnnxFixtures.metadata("resnet20_cifar", Output.LOGITS, 0, 10, 3, 32);
      ModelProto model = OnnxExport.of(block, meta);
      assertThat(model.getIrVersion()).isEqualTo(OnnxExport.IR_VERSION);
      assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(OnnxExport.OPSET);
      assertThat(model.getProducerName()).isEqualTo("densefractal");
      assertThat(model.getDocString()).contains("resnet20_cifar", "logits (N, 10)");
      Map<String, String> props = new HashMap<>();
      for (StringStringEntryProto e : model.getMetadataPropsList()) {
        props.put(e.getKey(), e.getValue());
      }
      assertThat(OnnxMetadata.fromProperties(props)).usingRecursiveComparison().isEqualTo(meta);
      assertThat(model.getGraph().getInput(0).getName()).isEqualTo(OnnxMetadata.INPUT);
      assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0)
              .getDimParam())
          .isEqualTo("N");
      // Height and width are fixed at the recorded input size by default.
      assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDimList())
          .extracting(d -> d.getDimValue())
          .endsWith((long) meta.transforms().size(), (long) meta.transforms().size());
      // Initializers keep the torch keys; every BatchNorm follows a conv here, so each is folded
      // into its conv (a kernel and a bias under the conv's key) and none is left in the graph.
      assertThat(model.getGraph().getInitializerList())
          .extracting(t -> t.getName())
          .contains("conv1.weight", "layer3.2.conv2.bias", "fc.bias")
          .noneMatch(name -> name.contains(".bn"));
      assertThat(model.getGraph().getNodeList())
          .extracting(n -> n.getOpType())
          .contains("Conv")
          .doesNotContain("BatchNormalization");
    }
  }

  @Test
  void aColumnOfANetworkWithoutColumnsIsRefused() {
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = OnnxFixtures.randomModel("resnet20_cifar", new ModelOptions(10, 3), manager, 7);
      OnnxMetadata meta = OnnxFixtures.metadata("resnet20_cifar", Output.LOGITS, 2, 10, 3, 32);
      Path file = dir.resolve("never.onnx");
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> OnnxExport.write(block, meta, file))
          .hasMessageContaining("has no columns");
      assertThat(file).doesNotExist();
    }
  }

  @Test
  void aBatchLargerThanOneCallRunsInChunksWithTheSameRows() throws Exception {
    Path file = dir.resolve("chunks.onnx");
    try (NDManager manager = NDManager.newBaseManager()) {
      Block block = OnnxFixtures.randomModel("resnet20_cifar", new ModelOptions(10, 3), manager, 8);
      OnnxExport.write(
          block, OnnxFixtures.metadata("resnet20_cifar", Output.LOGITS, 0, 10, 3, 32), file);
    }
    int n = 2 * OnnxClassifier.MAX_BATCH + 5;
    float[] x = OnnxFixtures.input(9, n, 3, 32, 32);
    try (OnnxClassifier classifier = OnnxClassifier.openGraph(file, null, 1)) {
      OnnxClassifier.Output all = classifier.logits(x, new long[] {n, 3, 32, 32}, null);
      assertThat(all.shape()).containsExactly(n, 10);
      int per = 3 * 32 * 32;
      for (int i : new int[] {0, OnnxClassifier.MAX_BATCH - 1, OnnxClassifier.MAX_BATCH, n - 1}) {
        float[] one =
            classifier
                .logits(
                    Arrays.copyOfRange(x, i * per, (i + 1) * per),
                    new long[] {1, 3, 32, 32},
                    null)
                .values();
        float[] row = Arrays.copyOfRange(all.values(), i * 10, (i + 1) * 10);
        for (int c = 0; c < 10; c++) {
          assertThat(row[c]).as("image %d class %d", i, c).isCloseTo(one[c], within(1e-4f));
        }
      }
    }
  }
}
