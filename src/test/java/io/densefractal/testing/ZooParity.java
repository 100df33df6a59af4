package io.densefractal.testing;

import static io.densefractal.testing.Close.assertClose;
import static io.densefractal.testing.Close.relativeMaxDiff;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.block.NDArrays;
import io.densefractal.weights.block.TorchKeys;
import io.densefractal.weights.npy.Npy;
import io.densefractal.weights.pth.PthWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Zoo model vs the reference script (src/test/python/reference.py): the same weights, saved by
 * torch, must give the same logits here.
 */
public final class ZooParity {
  public static final double EVAL_TOLERANCE = 1e-4;
  public static final double TRAIN_TOLERANCE = 1e-4;

  private ZooParity() {}

  /** Runs {@code reference.py make} for a zoo model into {@code dir}. */
  public static void make(String name, Path dir, String... extra) {
    ModelSpec spec = ModelZoo.get(name);
    List<String> args =
        new ArrayList<>(
            List.of(
                "make",
                "--model",
                name,
                "--out",
                dir.toString(),
                "--num-classes",
                Integer.toString(spec.defaults().numClasses())));
    args.addAll(List.of(extra));
    PythonReference.run("reference.py", args.toArray(new String[0]));
  }

  /** The two inputs every eval check uses: a batch of 2 at the natural size, and an odd shape. */
  public static String[] standardInputs(ModelSpec spec) {
    int s = spec.inputSize();
    // A non-square odd input catches padding/rounding differences in strided layers.
    String odd = s == 224 ? "1x3x97x131" : "1x3x33x45";
    return new String[] {"--inputs", "2x3x" + s + "x" + s, odd};
  }

  /**
   * Eval logits for both inputs from each weights file, then (from the first file) a training-mode
   * forward and the running statistics it leaves behind.
   */
  public static void checkEvalAndTrain(String name, Path dir, List<String> files) {
    ModelSpec spec = ModelZoo.get(name);
    for (String file : files) {
      StateDict weights = WeightFiles.read(dir.resolve(file));
      try (NDManager manager = NDManager.newBaseManager()) {
        Block block = loaded(spec, weights, manager);
        for (int i = 0; i < 2; i++) {
          float[] actual = forward(block, manager, dir.resolve("input_" + i + ".npy"), false);
          float[] expected = Npy.read(dir.resolve("eval_" + i + ".npy")).toFloatArray();
          report(name, file + " eval input " + i, actual, expected);
          assertClose(name + " " + file + " eval input " + i, actual, expected, EVAL_TOLERANCE);
        }
        if (file.equals(files.get(0))) {
          // Training mode: batch statistics in the forward, running statistics updated once.
          float[] actual = forward(block, manager, dir.resolve("input_0.npy"), true);
          float[] expected = Npy.read(dir.resolve("train_out.npy")).toFloatArray();
          report(name, "train-mode forward", actual, expected);
          assertClose(name + " train-mode forward", actual, expected, TRAIN_TOLERANCE);
          StateDict buffers = WeightFiles.read(dir.resolve("train_buffers.pth"));
          Map<String, Parameter> params = TorchKeys.parameters(block);
          for (String key : buffers.keys()) {
            assertClose(
                name + " updated " + key,
                params.get(key).getArray().toFloatArray(),
                buffers.get(key).toFloatArray(),
                TRAIN_TOLERANCE);
          }
        }
      }
    }
  }

  /**
   * Exports {@code block}'s weights as .pth, loads them into the reference model with {@code
   * weights_only=True} and {@code strict=True}, and checks its eval logits on input_0 against
   * {@code expected}.
   */
  public static void checkExportLoadsInReference(
      String name, Path dir, Block block, float[] expected) {
    ModelSpec spec = ModelZoo.get(name);
    PthWriter.write(ModelWeights.stateDict(block), dir.resolve("exported.pth"));
    PythonReference.run(
        "reference.py",
        "check-export",
        "--model",
        name,
        "--num-classes",
        Integer.toString(spec.defaults().numClasses()),
        "--weights",
        dir.resolve("exported.pth").toString(),
        "--input",
        dir.resolve("input_0.npy").toString(),
        "--output",
        dir.resolve("exported_out.npy").toString());
    float[] theirs = Npy.read(dir.resolve("exported_out.npy")).toFloatArray();
    report(name, "exported .pth in torch", theirs, expected);
    assertClose(name + " exported .pth in torch", theirs, expected, EVAL_TOLERANCE);
  }

  /** A fresh zoo model initialised straight from {@code weights} (strict). */
  public static Block loaded(ModelSpec spec, StateDict weights, NDManager manager) {
    Block block = spec.create();
    ModelWeights.initialize(block, manager, spec.inputShape(spec.defaults()), weights, true);
    return block;
  }

  /** An .npy file as a float32 array of its own shape, owned by {@code manager}. */
  public static NDArray npyArray(Path npy, NDManager manager) {
    Tensor t = Npy.read(npy);
    return NDArrays.toFloat32(t, manager).reshape(new Shape(t.shape()));
  }

  public static float[] forward(Block block, NDManager manager, Path input, boolean training) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = npyArray(input, scope);
      return block
          .forward(new ParameterStore(manager, false), new NDList(x), training)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  /** Prints the measured difference, for docs/MODELS.md. */
  public static void report(String name, String what, float[] actual, float[] expected) {
    System.out.printf(
        Locale.ROOT, "PARITY %s %s: rel %.3g%n", name, what, relativeMaxDiff(actual, expected));
  }
}
