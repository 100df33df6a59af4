package io.densefractal.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import io.densefractal.data.Datasets;
import io.densefractal.data.Image;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.safetensors.SafeTensors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Test inputs: Fashion-MNIST images of the bundled demo subset as PNGs, and weights for them. */
final class Fixtures {
  static final String MODEL = "resnet20_cifar";

  private Fixtures() {}

  /**
   * Seeded random weights of a 1-channel, 10-class {@value #MODEL}, tagged as trained on the demo
   * data (so {@code --weights} alone names model, classes and transforms).
   */
  static Path weights(Path file, long seed) {
    ModelSpec spec = ModelZoo.get(MODEL);
    ModelOptions options = new ModelOptions(10, 1);
    Block block = spec.create(options);
    try (NDManager manager = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed((int) seed);
      block.initialize(manager, DataType.FLOAT32, spec.inputShape(options));
      StateDict sd = ModelWeights.stateDict(block);
      WeightsMetadata.tag(sd, MODEL, 10, 1);
      WeightsMetadata.tagTraining(sd, "demo", Datasets.FASHION_MNIST_CLASSES, 28);
      SafeTensors.write(sd, file);
    }
    return file;
  }

  /**
   * Writes the first {@code n} test images of the demo subset as grey PNGs under {@code dir}, one
   * sub-folder per class ({@code dir/<class>/<i>.png}), and returns their paths in index order.
   */
  static List<Path> pngs(Path dir, int n) {
    ImageDataset test = Datasets.open("demo", null, 0, 0).test();
    try {
      Path[] files = new Path[n];
      for (int i = 0; i < n; i++) {
        Image image = test.image(i);
        BufferedImage png =
            new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
        png.getRaster().setDataElements(0, 0, image.width(), image.height(), image.pixels());
        Path folder = dir.resolve(test.classes().get(test.label(i)).replaceAll("[^A-Za-z]", ""));
        Files.createDirectories(folder);
        files[i] = folder.resolve(String.format("%05d.png", i));
        ImageIO.write(png, "png", files[i].toFile());
      }
      return List.of(files);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What single-process {@code predict} gives each file: one image per forward call. */
  static Map<String, List<ClassScore>> predict(Path weights, List<Path> files, int top) {
    Map<String, List<ClassScore>> expected = new LinkedHashMap<>();
    try (ImageClassifier classifier = Classifiers.open(ModelSource.ofWeights(weights))) {
      int channels = classifier.transforms().channels();
      for (Path file : files) {
        float[] x = classifier.preprocess(ImageFiles.read(file, channels));
        expected.put(
            file.toAbsolutePath().toString(),
            TopK.of(classifier.logits(x, 1, null), classifier.classes(), top).get(0));
      }
    }
    return expected;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * torch.onnx.export of a seeded CIFAR ResNet-20 with an {@code embedding} output, by the core
   * module's reference script (Debian torch); skipped without torch unless
   * DENSEFRACTAL_PARITY=required.
   */
  static Path torchOnnxExport(Path out) throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("densefractal.root", ".."));
    Path script = root.resolve("src/test/python/torch_onnx_export.py");
    Process probe =
        new ProcessBuilder("/usr/bin/python3", "-c", "import torch, torchvision")
            .redirectErrorStream(true)
            .start();
    boolean torch = probe.waitFor() == 0;
    if (!torch) {
      String message = "PARITY TEST NOT RUN: /usr/bin/python3 has no torch/torchvision";
      if ("required".equals(System.getenv("DENSEFRACTAL_PARITY"))) {
        throw new AssertionError(message);
      }
      System.err.println(message);
      org.junit.jupiter.api.Assumptions.abort(message);
    }
    Process p =
        new ProcessBuilder(
                "/usr/bin/python3", script.toString(), "--model", "resnet20_cifar",
                "--num-classes", "1000", "--embedding", "--seed", "5", "--out", out.toString())
            .redirectErrorStream(true)
            .start();
    String log = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("torch_onnx_export.py failed: " + log);
    }
    return out.resolve("model.onnx");
  }
}
