package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import io.densefractal.quantize.QuantizedExport;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code export --quantize int8} end to end: the file runs under {@code infer} and {@code
 * predict} like any {@code .onnx}; bad calibration requests exit 2 with one line and write
 * nothing.
 */
class QuantizeCliTest {
  @TempDir Path dir;
  private Path weights;

  @BeforeEach
  void weights() {
    weights = dir.resolve("r20.pth");
    CliTest.writeRandomWeights(weights); // resnet20_cifar, 1 channel, 10 classes
  }

  private String[] export(Path to, String... more) {
    String[] base = {
      "export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--data", "fashion-mnist",
      "--to", to.toString(), "--quantize", "int8"
    };
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void quantizedFileRunsWhereverOnnxRuns() throws Exception {
    Path to = dir.resolve("r20-int8.onnx");
    CliTest.Result r =
        CliTest.run(export(to, "--calibration-data", "demo", "--calibration-images", "32"));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("int8 calibrated by percentile on 32 images of demo");
    ModelProto model = ModelProto.parseFrom(Files.readAllBytes(to));
    Map<String, String> props = new HashMap<>();
    for (StringStringEntryProto e : model.getMetadataPropsList()) {
      props.put(e.getKey(), e.getValue());
    }
    assertThat(props)
        .containsEntry(QuantizedExport.QUANTIZED, "int8")
        .containsEntry(QuantizedExport.METHOD, "percentile")
        .containsEntry(QuantizedExport.IMAGES, "32")
        .containsEntry(QuantizedExport.DATA, "demo training split");

    float[] x = new float[3 * 28 * 28];
    Random random = new Random(1);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    Path npy = dir.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new long[] {3, 1, 28, 28}, x), npy);
    Path out = dir.resolve("y.npy");
    CliTest.Result infer =
        CliTest.run("infer", "--weights", to.toString(), "--input", npy.toString(), "--output",
            out.toString());
    assertThat(infer.code()).as(infer.err()).isZero();
    assertThat(Npy.read(out).shape()).containsExactly(3, 10);

    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(14, 14, 0, 255);
    Path png = dir.resolve("shirt.png");
    ImageIO.write(img, "png", png.toFile());
    CliTest.Result predict = CliTest.run("predict", "--weights", to.toString(), png.toString());
    assertThat(predict.code()).as(predict.err()).isZero();
    assertThat(predict.out()).contains("shirt.png");
  }

  @Test
  void badCalibrationRequestsExit2WithOneLineAndWriteNothing() throws Exception {
    Path rgb = dir.resolve("rgb");
    for (String c : new String[] {"a", "b"}) {
      Files.createDirectories(rgb.resolve(c));
      for (int i = 0; i < 5; i++) {
        ImageIO.write(
            new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
            "png",
            rgb.resolve(c).resolve(i + ".png").toFile());
      }
    }
    Path keep = dir.resolve("keep.onnx");
    Files.writeString(keep, "a good file");
    Path fresh = dir.resolve("fresh.onnx");
    Path pth = dir.resolve("out.pth");
    record Case(String[] args, String says) {}
    Case[] cases = {
      new Case(
          new String[] {"export", "--weights", weights.toString(), "-m", "resnet20_cifar", "--to",
              pth.toString(), "--quantize", "int8", "--calibration-data", "demo"},
          "--quantize is for ONNX export"),
      new Case(export(keep, "--calibration-data", rgb.toString()), "3-channel images"),
      new Case(export(fresh, "--calibration-data", rgb.toString()), "3-channel images"),
      new Case(
          export(keep, "--calibration-data", "demo", "--calibration-images", "20000"),
          "fewer than --calibration-images 20000"),
      new Case(export(keep), "needs --calibration-data"),
      new Case(
          export(keep, "--calibration-data", "demo", "--calibration-method", "entropy"),
          "--calibration-method"),
    };
    for (Case c : cases) {
      CliTest.Result r = CliTest.run(c.args());
      String what = String.join(" ", c.args()) + "\n" + r.err();
      assertThat(r.code()).as(what).isEqualTo(2);
      assertThat(r.err().strip().lines().count()).as(what).isEqualTo(1);
      assertThat(r.err()).as(what).contains(c.says()).doesNotContain("\tat ");
      assertThat(Files.readString(keep)).isEqualTo("a good file");
      assertThat(fresh).doesNotExist();
      assertThat(pth).doesNotExist();
    }
  }
}
