package io.densefractal.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import io.densefractal.analysis.MemoryGuard;
import io.densefractal.engine.Classifiers;
import io.densefractal.files.OutputPaths;
import io.densefractal.inference.Engine;
import io.densefractal.inference.FiniteInputs;
import io.densefractal.inference.TopK;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.BatchNormFolding;
import io.densefractal.models.ModelZoo;
import io.densefractal.onnx.OnnxClassifier;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code infer}: eval-mode logits for an .npy batch, written as .npy. */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description =
        "Eval-mode forward of an .npy batch (N,C,H,W or C,H,W); writes the logits as .npy.")
final class InferCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-m", "--model"},
      description = "Model name (see `summary --list`), e.g. resnet50; an .onnx file names its own.")
  String model;

  @Mixin ModelShapeArgs modelShape;

  @Option(
      names = "--weights",
      description =
          ".pth (zip or legacy) or .safetensors weights, or an .onnx model (ours or"
              + " torch.onnx.export's; runs on ONNX Runtime).")
  Path weights;

  @Mixin EngineArgs engineArgs;

  @Option(names = "--seed", description = "Seed of the random init when no --weights (default 0).")
  long seed;

  @Option(names = "--input", required = true, description = "Input .npy, float.")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write the logits .npy.")
  Path output;

  @Option(
      names = "--fold-bn",
      description =
          "Fold each conv + BatchNorm pair into one conv before inferring (ResNets, FractalNets).")
  boolean foldBatchNorm;

  @Option(
      names = "--column",
      description = "Run only column i (1 = shallowest) of a FractalNet, sharing its weights.")
  Integer column;

  @Option(names = "--top", description = "Print the top-K classes per image (default 0: none).")
  int top;

  /** Images per libtorch forward: bounds the activations whatever the size of the input file. */
  static final int CHUNK = 64;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (top < 0) {
      throw new UsageException("--top must be 0 (none) or more, got " + top);
    }
    List<Path> inputs = new ArrayList<>(List.of(input));
    if (weights != null) {
      inputs.add(weights);
    }
    OutputPaths.check(Map.of("--output", output), inputs);
    checkHeap(input);
    Tensor x = Npy.read(input);
    if (!x.dtype().isFloatingPoint()) {
      throw new DenseFractalException(input + " holds " + x.dtype() + "; infer needs float images");
    }
    long[] shape = x.shape();
    if (shape.length == 3) {
      shape = new long[] {1, shape[0], shape[1], shape[2]};
    } else if (shape.length != 4) {
      throw new DenseFractalException(
          input + " has shape " + Arrays.toString(shape) + "; expected (N, C, H, W) or (C, H, W)");
    }
    if (shape[0] < 1 || shape[1] < 1 || shape[2] < 1 || shape[3] < 1) {
      throw new DenseFractalException(
          input + " has shape " + Arrays.toString(shape) + ": no images to infer");
    }
    float[] values = x.toFloatArray();
    FiniteInputs.check(values, input.toString());
    int threads = engineArgs.threads(spec.commandLine());
    Engine engine =
        engineArgs.engine != null
            ? engineArgs.engine
            : OnnxClassifier.isOnnxFile(weights) ? Engine.ONNXRUNTIME : Engine.LIBTORCH;
    if (engine == Engine.ONNXRUNTIME) {
      return inferOnnx(out, x, shape, threads);
    }
    if (model == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "infer needs --model (only an .onnx file names its own model)");
    }
    if (OnnxClassifier.isOnnxFile(weights)) {
      throw new DenseFractalException(weights + " is an ONNX file: run it with --engine onnxruntime");
    }
    if (threads > 0) {
      Classifiers.useLibtorchThreads(threads);
    }
    var modelSpec = ModelZoo.get(model);
    var options = modelShape.options(modelSpec);
    long n = shape[0];
    int perImage = (int) (shape[1] * shape[2] * shape[3]);
    MemoryGuard.require(
        modelSpec,
        options,
        (int) Math.max(shape[2], shape[3]),
        Math.min(n, CHUNK),
        MemoryGuard.Work.INFER,
        "inference of " + model + " on " + shape[2] + "x" + shape[3] + " images");
    try (LoadedModel model =
            weights == null
                ? LoadedModel.random(modelSpec, options, seed)
                : LoadedModel.fromFile(modelSpec, options, weights);
        NDManager batch = model.manager.newSubManager()) {
      if (foldBatchNorm) {
        if (!(model.block instanceof BatchNormFolding folding)) {
          throw new DenseFractalException(
              model.spec.name() + " has no conv + BatchNorm pairs to fold; drop --fold-bn");
        }
        folding.foldBatchNorm();
      }
      var runner = AnytimeNetwork.columnOrWhole(model.block, column, model.spec.name());
      float[] logits = null;
      int classes = 0;
      for (long from = 0; from < n; from += CHUNK) {
        int count = (int) Math.min(CHUNK, n - from);
        try (NDManager scope = batch.newSubManager()) {
          float[] chunk =
              Arrays.copyOfRange(
                  values, (int) (from * perImage), (int) ((from + count) * perImage));
          NDArray images = scope.create(chunk, new Shape(count, shape[1], shape[2], shape[3]));
          float[] part = model.predict(images, runner).toFloatArray();
          if (logits == null) {
            classes = part.length / count;
            logits = new float[Math.multiplyExact((int) n, classes)];
          }
          System.arraycopy(part, 0, logits, (int) (from * classes), part.length);
        }
      }
      Npy.write(Tensor.ofFloats(new long[] {n, classes}, logits), output);
      out.printf(
          Locale.ROOT,
          "%s: logits %s written to %s (weights: %s)%n",
          model.spec.name(),
          new Shape(n, classes),
          output,
          weights == null ? "random, seed " + seed : weights);
      if (top > 0) {
        printTop(out, logits, classes, top);
      }
    }
    return 0;
  }

  /** ONNX Runtime: the file's graph on the batch as given (its fixed dimensions checked). */
  private int inferOnnx(PrintWriter out, Tensor x, long[] shape, int threads) {
    if (weights == null || !OnnxClassifier.isOnnxFile(weights)) {
      throw new DenseFractalException(
          "--engine onnxruntime runs an .onnx file given with --weights; export one first"
              + " (densefractal export ... --to model.onnx) or use --engine libtorch");
    }
    if (foldBatchNorm || modelShape.given()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--fold-bn, --num-classes and --in-channels are for libtorch models; an .onnx file"
              + " fixes its own (ONNX Runtime fuses conv + BatchNorm itself)");
    }
    // A file without our metadata runs as given: its logits need no class names here.
    try (OnnxClassifier classifier = OnnxClassifier.openGraph(weights, model, threads)) {
      OnnxClassifier.Output logits = classifier.logits(x.toFloatArray(), shape, column);
      Npy.write(Tensor.ofFloats(logits.shape(), logits.values()), output);
      out.printf(
          Locale.ROOT,
          "%s: logits %s written to %s (onnxruntime: %s)%n",
          classifier.name(),
          Arrays.toString(logits.shape()),
          output,
          weights);
      if (top > 0) {
        printTop(out, logits.values(), (int) logits.shape()[1], top);
      }
    }
    return 0;
  }

  /**
   * The batch is read whole (file bytes, then floats): refused up front when the Java heap cannot
   * hold both, rather than failing part-way.
   */
  private static void checkHeap(Path file) {
    long bytes;
    try {
      bytes = Files.size(file);
    } catch (IOException e) {
      return; // reading reports it
    }
    long heap = Runtime.getRuntime().maxMemory();
    if (2 * bytes > heap) {
      throw new DenseFractalException(
          String.format(
              Locale.ROOT,
              "%s holds %s; reading it needs about %s of Java heap, more than the %s this JVM"
                  + " may use: split the batch, or give Java more with"
                  + " DENSEFRACTAL_JAVA_OPTS=-Xmx<N>g",
              file,
              MemoryGuard.human(bytes),
              MemoryGuard.human(2.0 * bytes),
              MemoryGuard.human(heap)));
    }
  }

  static void printTop(PrintWriter out, float[] logits, int classes, int k) {
    float[] p = TopK.softmax(logits, classes);
    printTopProbabilities(out, p, logits.length / classes, classes, k);
  }

  static void printTop(PrintWriter out, NDArray logits, int k) {
    NDArray probs = logits.softmax(1);
    long n = probs.getShape().get(0);
    int classes = (int) probs.getShape().get(1);
    printTopProbabilities(out, probs.toFloatArray(), n, classes, k);
  }

  private static void printTopProbabilities(
      PrintWriter out, float[] p, long n, int classes, int k) {
    for (int i = 0; i < n; i++) {
      Integer[] order = new Integer[classes];
      for (int c = 0; c < classes; c++) {
        order[c] = c;
      }
      final int row = i;
      Arrays.sort(order, (a, b) -> Float.compare(p[row * classes + b], p[row * classes + a]));
      StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "  image %d:", i));
      for (int j = 0; j < Math.min(k, classes); j++) {
        sb.append(
            String.format(
                Locale.ROOT, " class %d (%.1f %%)", order[j], 100 * p[row * classes + order[j]]));
      }
      out.println(sb);
    }
  }
}
