package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.compare.ComparisonReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train → eval → predict → compare from the command line, on tiny subsets of the demo set. */
class TrainingCliTest {
  private static CliTest.Result run(String... args) {
    return CliTest.run(args);
  }

  @Test
  void trainEvalPredictAndResume(@TempDir Path dir) throws Exception {
    Path runDir = dir.resolve("r20");
    CliTest.Result train =
        run(
            "train",
            "-m",
            "resnet20_cifar",
            "--data",
            "demo",
            "--limit-train",
            "300",
            "--limit-test",
            "100",
            "--epochs",
            "2",
            "--batch-size",
            "32",
            "--out",
            runDir.toString());
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(train.out().lines().reduce((a, b) -> b).orElseThrow())
        .matches("test accuracy: \\d+\\.\\d\\d %");
    assertThat(runDir.resolve("accuracy.png")).isRegularFile();

    CliTest.Result eval = run("eval", "--run", runDir.toString());
    assertThat(eval.code()).as(eval.err()).isZero();
    assertThat(eval.out()).contains("Ankle boot").contains("top-5 accuracy");
    // Precise BN: 3 batches of the recipe's 32 training images, then the same report.
    CliTest.Result recalibrated = run("eval", "--run", runDir.toString(), "--recalibrate-bn", "3");
    assertThat(recalibrated.code()).as(recalibrated.err()).isZero();
    assertThat(recalibrated.out())
        .contains("BatchNorm statistics recalibrated on 96 training images")
        .contains("test accuracy:");
    CliTest.Result noBatches = run("eval", "--run", runDir.toString(), "--recalibrate-bn", "0");
    assertThat(noBatches.code()).isEqualTo(2);
    assertThat(noBatches.err()).contains("at least 1 batch");

    Path png = dir.resolve("boot.png");
    ImageIO.write(new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    CliTest.Result predict =
        run("predict", "--run", runDir.toString(), "--top", "2", png.toString());
    assertThat(predict.code()).as(predict.err()).isZero();
    assertThat(predict.out()).startsWith(png + ":").contains("%");
    // The run's weights alone, with the dataset's name for labels and transforms: the same answer.
    CliTest.Result fromWeights =
        run(
            "predict",
            "-m",
            "resnet20_cifar",
            "--weights",
            runDir.resolve("checkpoint-best.safetensors").toString(),
            "--data",
            "demo",
            "--top",
            "2",
            png.toString());
    assertThat(fromWeights.code()).as(fromWeights.err()).isZero();
    assertThat(fromWeights.out()).isEqualTo(predict.out());
    // Weights from train record their model, dataset, classes and input size: nothing else needed.
    CliTest.Result alone =
        run(
            "predict",
            "--weights",
            runDir.resolve("checkpoint-best.safetensors").toString(),
            "--top",
            "2",
            png.toString());
    assertThat(alone.code()).as(alone.err()).isZero();
    assertThat(alone.out()).isEqualTo(predict.out());
    // A .pth has no metadata: read as ImageNet weights, it does not fit, and the error says why.
    Path pth = dir.resolve("r20.pth");
    exportBest(runDir, pth);
    CliTest.Result bare =
        run("predict", "-m", "resnet20_cifar", "--weights", pth.toString(), png.toString());
    assertThat(bare.code()).isEqualTo(1);
    assertThat(bare.err()).contains("name it with --data").hasLineCount(1);
    CliTest.Result named =
        run(
            "predict",
            "-m",
            "resnet20_cifar",
            "--weights",
            pth.toString(),
            "--data",
            "demo",
            "--top",
            "2",
            png.toString());
    assertThat(named.out()).isEqualTo(predict.out());
    // Converted to another .safetensors, the weights keep what they were trained on.
    Path copy = dir.resolve("r20-copy.safetensors");
    exportBest(runDir, copy);
    CliTest.Result fromCopy =
        run("predict", "--weights", copy.toString(), "--top", "2", png.toString());
    assertThat(fromCopy.out()).as(fromCopy.err()).isEqualTo(predict.out());

    // A finished run cannot be resumed without more epochs; with more it continues.
    CliTest.Result again = run("train", "--resume", runDir.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("--epochs").hasLineCount(1);
    CliTest.Result more = run("train", "--resume", runDir.toString(), "--epochs", "3");
    assertThat(more.code()).as(more.err()).isZero();
    assertThat(more.out()).contains("resuming resnet20_cifar from epoch 2 of 3");
  }

  /** Writes the best weights of a Fashion-MNIST ResNet-20 run to {@code to} with `export`. */
  private static void exportBest(Path runDir, Path to) {
    CliTest.Result export =
        run(
            "export",
            "-m",
            "resnet20_cifar",
            "--num-classes",
            "10",
            "--in-channels",
            "1",
            "--weights",
            runDir.resolve("checkpoint-best.safetensors").toString(),
            "--to",
            to.toString());
    assertThat(export.code()).as(export.err()).isZero();
  }

  @Test
  void channelsLastTrainingIsAnOptInThatResumesAsChosen(@TempDir Path dir) throws Exception {
    Path runDir = dir.resolve("cl");
    String[] common = {
      "--limit-train", "64", "--limit-test", "32", "--batch-size", "32", "--out", runDir.toString()
    };
    CliTest.Result train =
        run(
            concat(
                new String[] {
                  "train",
                  "-m",
                  "resnet20_cifar",
                  "--data",
                  "demo",
                  "--epochs",
                  "1",
                  "--memory-format",
                  "CHANNELS_LAST"
                },
                common));
    assertThat(train.code()).as(train.err()).isZero();
    assertThat(Files.readString(runDir.resolve("state.json")))
        .contains("\"memoryFormat\": \"CHANNELS_LAST\"");
    CliTest.Result relayout =
        run("train", "--resume", runDir.toString(), "--memory-format", "CONTIGUOUS");
    assertThat(relayout.code()).isEqualTo(2);
    assertThat(relayout.err()).contains("memory format from the run");
    CliTest.Result withRecompute =
        run(
            "train",
            "-m",
            "densenet40_k12",
            "--data",
            "demo",
            "--memory-efficient",
            "--memory-format",
            "CHANNELS_LAST",
            "--out",
            dir.resolve("me").toString());
    assertThat(withRecompute.code()).isNotZero();
    assertThat(withRecompute.err()).contains("--memory-efficient trains in NCHW").hasLineCount(1);
    CliTest.Result resumed = run("train", "--resume", runDir.toString(), "--epochs", "2");
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(Files.readString(runDir.resolve("state.json")))
        .contains("\"memoryFormat\": \"CHANNELS_LAST\"")
        .contains("\"epochsDone\": 2");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void clearErrors(@TempDir Path dir) {
    CliTest.Result unknown =
        run("train", "-m", "resnet20_cifar", "--data", "imagenette", "--out", dir.toString());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("unknown dataset").hasLineCount(1);
    // Parquet tables are the Spark module's: the core names the command that reads them.
    CliTest.Result parquet =
        run("train", "-m", "resnet20_cifar", "--data", "t.parquet", "--out", dir.toString());
    assertThat(parquet.code()).isEqualTo(1);
    assertThat(parquet.err()).contains("spark train --data TABLE").hasLineCount(1);
    CliTest.Result noRun = run("eval", "--run", dir.resolve("nothing").toString());
    assertThat(noRun.code()).isEqualTo(1);
    assertThat(noRun.err()).contains("not a run directory").hasLineCount(1);
    CliTest.Result memoryEfficient =
        run(
            "train",
            "-m",
            "resnet20_cifar",
            "--data",
            "demo",
            "--memory-efficient",
            "--out",
            dir.resolve("x").toString());
    assertThat(memoryEfficient.code()).isEqualTo(2); // a flag's value: a usage error
    assertThat(memoryEfficient.err()).contains("no memory-efficient mode");
    assertThat(dir.resolve("x")).doesNotExist(); // refused before the run directory appears
    CliTest.Result missingArgs = run("train", "--data", "demo");
    assertThat(missingArgs.code()).isEqualTo(2);
  }

  @Test
  void compareTwoTinyModelsThenReuseTheRuns(@TempDir Path dir) throws Exception {
    String[] args = {
      "compare",
      "--models",
      "resnet20_cifar,densenet_bc22_k12",
      "--data",
      "demo",
      "--epochs",
      "1",
      "--limit-train",
      "200",
      "--limit-test",
      "100",
      "--bench-iters",
      "1",
      "--out",
      dir.toString()
    };
    CliTest.Result first = run(args);
    assertThat(first.code()).as(first.err()).isZero();
    for (String f : ComparisonReport.PLOTS) {
      assertThat(ImageIO.read(dir.resolve(f).toFile())).as(f).isNotNull();
    }
    String table = Files.readString(dir.resolve(ComparisonReport.MARKDOWN));
    assertThat(table).contains("| resnet20_cifar |").contains("| densenet_bc22_k12 |");
    assertThat(Files.readAllLines(dir.resolve(ComparisonReport.CSV))).hasSize(3);
    long trained =
        Files.getLastModifiedTime(dir.resolve("resnet20_cifar/checkpoint-last.safetensors"))
            .toMillis();

    CliTest.Result second = run(args);
    assertThat(second.code()).as(second.err()).isZero();
    assertThat(second.out()).contains("resnet20_cifar: reusing the finished run");
    assertThat(
            Files.getLastModifiedTime(dir.resolve("resnet20_cifar/checkpoint-last.safetensors"))
                .toMillis())
        .isEqualTo(trained);
  }
}
