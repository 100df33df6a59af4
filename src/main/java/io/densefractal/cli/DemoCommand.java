package io.densefractal.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.densefractal.DenseFractalException;
import io.densefractal.analysis.ModelSummary;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.NDArrays;
import io.densefractal.weights.Npy;
import io.densefractal.weights.PthWriter;
import io.densefractal.weights.SafeTensors;
import io.densefractal.weights.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The README's main job until training lands: summarise a CIFAR ResNet, save its (seeded,
 * untrained) weights as .pth and .safetensors, read both back, run the bundled Fashion-MNIST images
 * through each, and check that every route gives bit-identical logits.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Offline round trip: summary, .pth/.safetensors save and load, infer on bundled images.")
final class DemoCommand implements Callable<Integer> {
  private static final String MODEL = "resnet20_cifar";
  private static final String EXAMPLE = "examples/fashion_mnist_8";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", description = "Output directory (default: runs/demo).")
  Path outDir = Path.of("runs", "demo");

  @Option(names = "--seed", description = "Seed of the random init (default 0).")
  long seed;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Files.createDirectories(outDir);
    ModelSpec model = ModelZoo.get(MODEL);
    ModelOptions options = new ModelOptions(10, 1);

    out.println("== 1. summary of " + MODEL + " (grey-scale input, 10 classes)");
    out.print(ModelSummary.of(model, options, 32).totals());

    Path input = copyResource(EXAMPLE + ".npy", outDir.resolve("input.npy"));
    List<String> labels = readLabels();
    Tensor images = Npy.read(input);
    Path pth = outDir.resolve(MODEL + ".pth");
    Path safetensors = outDir.resolve(MODEL + ".safetensors");
    Path logitsFile = outDir.resolve("logits.npy");

    out.println("== 2. seeded random weights -> " + pth + " and " + safetensors);
    float[] reference;
    try (LoadedModel m = LoadedModel.random(model, options, seed);
        NDManager batch = m.manager.newSubManager()) {
      PthWriter.write(m.stateDict(), pth);
      SafeTensors.write(m.stateDict(), safetensors);
      NDArray logits = m.predict(NDArrays.toFloat32(images, batch));
      reference = logits.toFloatArray();
      Npy.write(NDArrays.toTensor(logits), logitsFile);
      out.println("== 3. infer on " + input + " (" + labels.size() + " Fashion-MNIST test images)");
      InferCommand.printTop(out, logits, 1);
    }

    out.println("== 4. round trip: reload each file and compare logits");
    check(out, "logits.npy read back", reference, Npy.read(logitsFile).toFloatArray());
    for (Path weights : List.of(pth, safetensors)) {
      try (LoadedModel m = LoadedModel.fromFile(model, options, weights);
          NDManager batch = m.manager.newSubManager()) {
        check(
            out,
            weights.getFileName() + " reloaded",
            reference,
            m.predict(NDArrays.toFloat32(images, batch)).toFloatArray());
      }
    }
    out.println("true labels: " + String.join(", ", labels));
    out.println("(the weights are untrained: the classes above are random until you train)");
    out.println("round trip OK: every route gave identical logits");
    return 0;
  }

  private static void check(PrintWriter out, String what, float[] expected, float[] actual) {
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    }
    out.printf(Locale.ROOT, "  %-40s max |diff| = %.3g%n", what, maxDiff);
    if (expected.length != actual.length || maxDiff != 0) {
      throw new DenseFractalException("round trip changed the logits: " + what);
    }
  }

  private static Path copyResource(String resource, Path target) throws IOException {
    try (InputStream in = DemoCommand.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new DenseFractalException(
            "the jar lacks its bundled example " + resource + "; rebuild it");
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  private static List<String> readLabels() {
    try (InputStream in =
        DemoCommand.class.getClassLoader().getResourceAsStream(EXAMPLE + ".labels.txt")) {
      if (in == null) {
        throw new DenseFractalException("the jar lacks " + EXAMPLE + ".labels.txt; rebuild it");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
