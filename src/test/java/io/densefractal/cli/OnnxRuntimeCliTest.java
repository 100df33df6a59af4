package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.testing.PythonReference;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX Runtime engine through the CLI, on files made by torch.onnx.export (Debian torch 1.13):
 * the same logits as libtorch and as PyTorch, embeddings, and one-line errors for bad files.
 */
class OnnxRuntimeCliTest {
  @TempDir static Path fixtures;
  @TempDir Path dir;

  /** resnet18, torchvision's, exported with its state dict and one input with torch's logits. */
  static Path resnet18;

  /** resnet20_cifar with 1000 outputs (read as ImageNet's) and an `embedding` output. */
  static Path small;

  /** The same small network stamped with opset 99. */
  static Path opset99;

  /** resnet20_cifar for 1-channel 28x28 input with 10 outputs (read with --data demo). */
  static Path grey;

  @BeforeAll
  static void export() {
    grey = fixtures.resolve("grey");
    PythonReference.run(
        "torch_onnx_export.py",
        "--model", "resnet20_cifar", "--in-channels", "1", "--size", "28",
        "--out", grey.toString());
    resnet18 = fixtures.resolve("resnet18");
    PythonReference.run(
        "torch_onnx_export.py",
        "--model", "resnet18", "--out", resnet18.toString(), "--pth",
        "--input-shape", "1x3x224x224");
    small = fixtures.resolve("small");
    PythonReference.run(
        "torch_onnx_export.py",
        "--model", "resnet20_cifar", "--num-classes", "1000", "--embedding",
        "--out", small.toString(), "--input-shape", "3x3x32x32");
    opset99 = fixtures.resolve("opset99");
    PythonReference.run(
        "torch_onnx_export.py",
        "--model", "resnet20_cifar", "--out", opset99.toString(), "--stamp-opset", "99");
  }

  @Test
  void onnxRuntimeGivesLibtorchsAndTorchsLogitsOfATorchExport() {
    Path x = resnet18.resolve("input.npy");
    Path ort = dir.resolve("ort.npy");
    Path lt = dir.resolve("libtorch.npy");
    CliTest.Result r =
        CliTest.run(
            "infer", "--engine", "onnxruntime", "--threads", "2",
            "--weights", resnet18.resolve("model.onnx").toString(),
            "--input", x.toString(), "--output", ort.toString(), "--top", "3");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("logits [1, 1000]", "image 0:");
    r =
        CliTest.run(
            "infer", "--engine", "libtorch", "-m", "resnet18",
            "--weights", resnet18.resolve("weights.pth").toString(),
            "--input", x.toString(), "--output", lt.toString());
    assertThat(r.code()).as(r.err()).isZero();
    float[] torch = Npy.read(resnet18.resolve("logits.npy")).toFloatArray();
    float[] onnx = Npy.read(ort).toFloatArray();
    assertThat(relativeDiff(onnx, Npy.read(lt).toFloatArray())).isLessThanOrEqualTo(1e-4);
    assertThat(relativeDiff(onnx, torch)).isLessThanOrEqualTo(1e-4);
  }

  @Test
  void predictReadsATorchExportAsImageNet() throws Exception {
    Path png = writeImage(dir.resolve("a,b.png"), 300, 260);
    CliTest.Result r =
        CliTest.run(
            "predict", "--weights", resnet18.resolve("model.onnx").toString(), "--top", "2",
            png.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith(png + ":").contains(" %");
  }

  @Test
  void embedWritesNpyAndCsvFromImagesAndFromABatch() throws Exception {
    Path model = small.resolve("model.onnx");
    Path out = dir.resolve("emb.npy");
    CliTest.Result r =
        CliTest.run(
            "embed", "--weights", model.toString(), "--batch", "2",
            "--input", small.resolve("input.npy").toString(), "--output", out.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Tensor e = Npy.read(out);
    assertThat(e.shape()).containsExactly(3, 64);
    float[] torch = Npy.read(small.resolve("embedding.npy")).toFloatArray();
    assertThat(relativeDiff(e.toFloatArray(), torch)).isLessThanOrEqualTo(1e-4);
    List<String> csv = Files.readAllLines(dir.resolve("emb.csv"), StandardCharsets.UTF_8);
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).startsWith("path,e0,e1,").endsWith(",e63");
    assertThat(csv.get(1)).startsWith("input.npy[0],");
    assertThat(Float.parseFloat(csv.get(2).split(",")[1])).isEqualTo(e.toFloatArray()[64]);

    Path a = writeImage(dir.resolve("one, two.png"), 40, 50);
    Path b = writeImage(dir.resolve("b.png"), 64, 32);
    Path csvFile = dir.resolve("images.csv");
    r =
        CliTest.run(
            "embed", "--weights", model.toString(), "--output", dir.resolve("img.npy").toString(),
            "--csv", csvFile.toString(), a.toString(), b.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Npy.read(dir.resolve("img.npy")).shape()).containsExactly(2, 64);
    List<String> rows = Files.readAllLines(csvFile, StandardCharsets.UTF_8);
    assertThat(rows.get(1)).startsWith("\"" + a + "\",");
    assertThat(rows.get(2)).startsWith(b + ",");
  }

  @Test
  void evalRunsAnOnnxFileOnItsDatasetsTestSplit() {
    Path png = dir.resolve("confusion.png");
    CliTest.Result r =
        CliTest.run(
            "eval", "--weights", grey.resolve("model.onnx").toString(), "--data", "demo",
            "--threads", "2", "--confusion", png.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("on demo (2000 test images", "onnxruntime", "test accuracy: ");
    assertThat(png).isNotEmptyFile();

    r = CliTest.run("eval", "--weights", grey.resolve("model.onnx").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--data");
  }

  @Test
  void embedOfAFileWithoutEmbeddingsSaysHowToGetThem() {
    Path out = dir.resolve("e.npy");
    CliTest.Result r =
        CliTest.run(
            "embed", "--weights", resnet18.resolve("model.onnx").toString(),
            "--input", resnet18.resolve("input.npy").toString(), "--output", out.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).doesNotContain("\n").contains("no 'embedding'", "export");
    assertThat(out).doesNotExist();
    assertThat(dir.resolve("e.csv")).doesNotExist();
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of("not ONNX", "text", "good", 1, "not a readable ONNX model"),
        Arguments.of("truncated", "truncated", "good", 1, "truncated"),
        Arguments.of("unsupported opset", "opset99", "good", 1, "opset 99"),
        Arguments.of("wrong channels", "model", "grey", 1, "expects (N, 3, 32, 32)"),
        Arguments.of("wrong size", "model", "large", 1, "expects (N, 3, 32, 32)"),
        Arguments.of("integer input", "model", "ints", 1, "float"),
        Arguments.of("column of a whole network", "column", "good", 1, "export --column 2"),
        Arguments.of("missing file", "missing", "good", 1, "no such file"),
        Arguments.of("unknown engine", "engine", "good", 2, "not an engine"),
        Arguments.of("zero threads", "threads", "good", 2, "--threads"),
        Arguments.of("libtorch on an .onnx", "libtorch", "good", 1, "--engine onnxruntime"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void badInputExitsWithOneLineAndWritesNothing(
      String what, String file, String input, int code, String message) throws Exception {
    Path good = small.resolve("model.onnx");
    Path model =
        switch (file) {
          case "text" -> Files.writeString(dir.resolve("text.onnx"), "hello, not a model\n");
          case "truncated" -> {
            byte[] bytes = Files.readAllBytes(good);
            yield Files.write(
                dir.resolve("truncated.onnx"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
          }
          case "opset99" -> opset99.resolve("model.onnx");
          case "missing" -> dir.resolve("missing.onnx");
          default -> good;
        };
    Path x =
        switch (input) {
          case "grey" -> npy(new long[] {2, 1, 32, 32});
          case "large" -> npy(new long[] {2, 3, 64, 64});
          case "ints" -> {
            Path p = dir.resolve("ints.npy");
            Npy.write(Tensor.ofLongs(new long[] {1, 3, 32, 32}, new long[3 * 32 * 32]), p);
            yield p;
          }
          default -> npy(new long[] {2, 3, 32, 32});
        };
    Path out = dir.resolve("out.npy");
    List<String> args =
        new ArrayList<>(
            List.of(
                "infer", "--weights", model.toString(), "--input", x.toString(), "--output",
                out.toString()));
    switch (file) {
      case "column" -> args.addAll(List.of("--column", "2"));
      case "engine" -> args.addAll(List.of("--engine", "tensorrt"));
      case "threads" -> args.addAll(List.of("--threads", "0"));
      case "libtorch" -> args.addAll(List.of("--engine", "libtorch", "-m", "resnet20_cifar"));
      default -> {}
    }
    CliTest.Result r = CliTest.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err()).contains(message);
    if (code == 1) {
      assertThat(r.err().strip()).startsWith("error: ").doesNotContain("\n");
    }
    assertThat(out).doesNotExist();
  }

  private Path npy(long[] shape) {
    Path p = dir.resolve("x" + shape[1] + "_" + shape[2] + ".npy");
    float[] v = new float[(int) Tensor.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (i % 17) / 17f - 0.5f;
    }
    Npy.write(Tensor.ofFloats(shape, v), p);
    return p;
  }

  private static Path writeImage(Path file, int width, int height) throws Exception {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (x * 7 % 256) << 16 | (y * 5 % 256) << 8 | ((x + y) % 256));
      }
    }
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  static double relativeDiff(float[] a, float[] ref) {
    assertThat(a).hasSameSizeAs(ref);
    double diff = 0;
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - ref[i]));
      max = Math.max(max, Math.abs(ref[i]));
    }
    return diff / max;
  }
}
