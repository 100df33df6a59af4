package io.densefractal.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.densefractal.DenseFractalException;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.BatchNormFolding;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.block.NDArrays;
import io.densefractal.weights.npy.Npy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
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

  @Mixin ModelArgs modelArgs;

  @Option(names = "--weights", description = ".pth (zip or legacy) or .safetensors weights.")
  Path weights;

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

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
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
    try (LoadedModel model =
            weights == null
                ? LoadedModel.random(modelArgs.spec(), modelArgs.options(), seed)
                : LoadedModel.fromFile(modelArgs.spec(), modelArgs.options(), weights);
        NDManager batch = model.manager.newSubManager()) {
      if (foldBatchNorm) {
        if (!(model.block instanceof BatchNormFolding folding)) {
          throw new DenseFractalException(
              model.spec.name() + " has no conv + BatchNorm pairs to fold; drop --fold-bn");
        }
        folding.foldBatchNorm();
      }
      NDArray images = NDArrays.toFloat32(x, batch).reshape(shape);
      NDArray logits =
          model.predict(
              images, AnytimeNetwork.columnOrWhole(model.block, column, model.spec.name()));
      Npy.write(NDArrays.toTensor(logits), output);
      out.printf(
          Locale.ROOT,
          "%s: logits %s written to %s (weights: %s)%n",
          model.spec.name(),
          logits.getShape(),
          output,
          weights == null ? "random, seed " + seed : weights);
      if (top > 0) {
        printTop(out, logits, top);
      }
    }
    return 0;
  }

  static void printTop(PrintWriter out, NDArray logits, int k) {
    NDArray probs = logits.softmax(1);
    long n = probs.getShape().get(0);
    int classes = (int) probs.getShape().get(1);
    float[] p = probs.toFloatArray();
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
