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
 * {@code export --quantize int8} end to end: the file runs under {@code infer} and {@code predict}
 * like any {@code .onnx}. Bad calibration requests are cases of the bad-input suite ({@link
 * BadInputCases}).
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
}
