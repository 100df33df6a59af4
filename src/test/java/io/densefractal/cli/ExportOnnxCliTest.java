package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export --to FILE.onnx} end to end, and its refusals: one line, nothing written. */
class ExportOnnxCliTest {
  @TempDir Path dir;
  private Path weights;

  @BeforeEach
  void weights() {
    weights = dir.resolve("r20.pth");
    CliTest.writeRandomWeights(weights); // resnet20_cifar, 1 channel, 10 classes
  }

  @Test
  void exportsWeightsWithTheirDatasetAsOnnx() throws Exception {
    Path to = dir.resolve("r20.onnx");
    CliTest.Result r =
        CliTest.run(
            "export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--data",
            "fashion-mnist", "--to", to.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("resnet20_cifar", "logits + embedding", "opset " + io.densefractal.onnx.OnnxExport.OPSET);
    ModelProto model = ModelProto.parseFrom(Files.readAllBytes(to));
    Map<String, String> props = new HashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      props.put(e.getKey(), e.getValue());
    }
    OnnxMetadata meta = OnnxMetadata.fromProperties(props);
    assertThat(meta.model()).isEqualTo("resnet20_cifar");
    assertThat(meta.dataset()).isEqualTo("fashion-mnist");
    assertThat(meta.classes()).hasSize(10).contains("Ankle boot");
    assertThat(meta.transforms().channels()).isEqualTo(1);
    assertThat(model.getGraph().getOutputList())
        .extracting(o -> o.getName())
        .containsExactly("logits", "embedding");

    // The libtorch classifier's embeddings are the exported graph's embedding output.
    float[] x = new float[2 * 28 * 28];
    java.util.Random random = new java.util.Random(5);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    try (ImageClassifier classifier =
            Classifiers.open(new ModelSource(null, weights, "resnet20_cifar", false, "fashion-mnist"));
        OrtSession session = OrtEnvironment.getEnvironment().createSession(to.toString());
        OnnxTensor input =
            OnnxTensor.createTensor(
                OrtEnvironment.getEnvironment(), FloatBuffer.wrap(x), new long[] {2, 1, 28, 28});
        OrtSession.Result result = session.run(Map.of(OnnxMetadata.INPUT, input))) {
      assertThat(classifier.embeddingSize()).isEqualTo(64);
      float[] expected = classifier.embeddings(x, 2);
      FloatBuffer b = ((OnnxTensor) result.get("embedding").orElseThrow()).getFloatBuffer();
      float[] actual = new float[b.remaining()];
      b.get(actual);
      io.densefractal.testing.Close.assertClose("embeddings", actual, expected, 1e-4);
    }

    // Both engines refuse a NaN pixel with the same message instead of answering with NaN.
    x[7] = Float.NaN;
    for (ModelSource source :
        List.of(
            new ModelSource(null, weights, "resnet20_cifar", false, "fashion-mnist"),
            new ModelSource(null, to, null, false, null))) {
      try (ImageClassifier classifier = Classifiers.open(source, null, 1)) {
        assertThatThrownBy(() -> classifier.logits(x, 2, null))
            .as(classifier.engine().toString())
            .isInstanceOf(io.densefractal.DenseFractalException.class)
            .hasMessageContaining("NaN or infinite")
            .hasMessageContaining("flat index 7");
      }
    }

    Path pooled = dir.resolve("r20-embed.onnx");
    r =
        CliTest.run(
            "export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--data",
            "fashion-mnist", "--features", "pooled", "--image-size", "40", "--dynamic-size",
            "--to", pooled.toString());
    assertThat(r.code()).as(r.err()).isZero();
    ModelProto embed = ModelProto.parseFrom(Files.readAllBytes(pooled));
    assertThat(embed.getGraph().getOutputList()).extracting(o -> o.getName()).containsExactly("embedding");
    assertThat(embed.getMetadataPropsList())
        .anySatisfy(
            e -> {
              assertThat(e.getKey()).isEqualTo("densefractal.input_size");
              assertThat(e.getValue()).isEqualTo("40");
            });
    // --dynamic-size leaves height and width free (the default fixes them at the input size).
    assertThat(embed.getGraph().getInput(0).getType().getTensorType().getShape().getDimList())
        .extracting(d -> d.getDimParam())
        .containsExactly("N", "", "H", "W");
  }

  @Test
  void badRequestsFailWithOneLineAndLeaveTheTargetAlone() throws Exception {
    Path to = dir.resolve("keep.onnx");
    Files.writeString(to, "a good file");
    String[][] cases = {
      {"export", "-m", "resnet_nope", "--pretrained", "--to", to.toString()},
      {"export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--data",
        "fashion-mnist", "--column", "1", "--to", to.toString()},
      {"export", "--weights", weights.toString(), "-m", "fractalnet20", "--column", "0", "--to",
        to.toString()},
      {"export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--features", "flat",
        "--to", to.toString()},
      {"export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--num-classes", "3",
        "--to", to.toString()},
      {"export", "--to", to.toString()},
    };
    for (String[] args : cases) {
      CliTest.Result r = CliTest.run(args);
      assertThat(r.code()).as(String.join(" ", args) + "\n" + r.err()).isIn(1, 2);
      assertThat(r.err().strip().lines().count()).as(r.err()).isLessThanOrEqualTo(2);
      assertThat(r.err()).doesNotContain("\tat ");
      assertThat(Files.readString(to)).isEqualTo("a good file");
    }
    CliTest.Result usage =
        CliTest.run(
            "export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--data",
            "fashion-mnist", "--column", "1", "--to", to.toString());
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("has no columns");
  }

  @Test
  void neverWritesOntoItsInput() throws Exception {
    Path copy = dir.resolve("weights.onnx");
    Files.copy(weights, copy);
    byte[] before = Files.readAllBytes(copy);
    CliTest.Result r =
        CliTest.run(
            "export", "--weights", copy.toString(), "-m", "resnet20_cifar", "--data",
            "fashion-mnist", "--to", copy.toString());
    assertThat(r.code()).isEqualTo(2); // an output path onto an input: a usage error
    assertThat(r.err()).contains("is an input of this command");
    assertThat(Files.readAllBytes(copy)).isEqualTo(before);
    try (var files = Files.list(dir)) {
      assertThat(files.filter(p -> p.getFileName().toString().endsWith(".tmp"))).isEmpty();
    }
  }
}
