package io.densefractal.onnx;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.densefractal.data.TransformSpec;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.testing.PythonReference;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.block.ModelWeights;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Models with seeded random weights, ONNX Runtime runs and the ONNX checker, for export tests. */
public final class OnnxFixtures {
  private OnnxFixtures() {}

  /**
   * {@code name} initialised in {@code manager} with seeded random weights and BatchNorm affine
   * parameters and running statistics far from the identity (else a BatchNorm bug would not show).
   */
  public static Block randomModel(
      String name, ModelOptions options, NDManager manager, long seed) {
    ModelSpec spec = ModelZoo.get(name);
    Engine.getInstance().setRandomSeed((int) seed);
    Block block = spec.create(options.withMemoryFormat(referenceLayout(name)));
    block.initialize(manager, DataType.FLOAT32, spec.inputShape(options));
    StateDict sd = ModelWeights.stateDict(block);
    Random random = new Random(seed);
    StateDict changed = new StateDict();
    for (Map.Entry<String, Tensor> e : sd.tensors().entrySet()) {
      String key = e.getKey();
      String norm = key.substring(0, key.lastIndexOf('.') + 1);
      Tensor t = e.getValue();
      if (sd.containsKey(norm + "running_var") && !key.endsWith("num_batches_tracked")) {
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
          v[i] =
              switch (key.substring(norm.length())) {
                case "weight" -> 0.5f + random.nextFloat();
                case "bias" -> (float) (0.1 * random.nextGaussian());
                case "running_mean" -> (float) (0.2 * random.nextGaussian());
                default -> 0.5f + 1.5f * random.nextFloat(); // running_var
              };
        }
        t = Tensor.ofFloats(t.shape(), v);
      }
      changed.put(key, t);
    }
    ModelWeights.load(block, changed, true);
    return block;
  }

  /**
   * NCHW: libtorch 2.7.1's channels-last 1×1 convolutions (the AUTO layout at batch > 1) die with
   * SIGFPE in oneDNN's blocking heuristics ({@code brg_blocking_t::est_eff_1x1}) on densenet121's
   * transitions on AVX-512 machines; the values are the same in either layout.
   */
  static MemoryFormat referenceLayout(String name) {
    return MemoryFormat.CONTIGUOUS;
  }

  /** Seeded standard-normal input of {@code shape}. */
  static float[] input(long seed, long... shape) {
    Random random = new Random(seed);
    float[] x = new float[(int) Tensor.numel(shape)];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  /** Eval-mode forward through {@code runner} on libtorch. */
  static float[] libtorch(Block runner, NDManager manager, float[] x, long... shape) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray in = scope.create(x, new Shape(shape));
      return runner
          .forward(new ParameterStore(scope, false), new NDList(in), false)
          .singletonOrThrow()
          .toFloatArray();
    }
  }

  /** Every output of {@code model} run by ONNX Runtime on each input, by output name. */
  static List<Map<String, float[]>> ort(byte[] model, List<float[]> xs, List<long[]> shapes)
      throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    List<Map<String, float[]>> outs = new ArrayList<>();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(2);
      try (OrtSession session = env.createSession(model, options)) {
        for (int i = 0; i < xs.size(); i++) {
          try (OnnxTensor input =
                  OnnxTensor.createTensor(env, FloatBuffer.wrap(xs.get(i)), shapes.get(i));
              OrtSession.Result result = session.run(Map.of(OnnxMetadata.INPUT, input))) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
              FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
              float[] values = new float[b.remaining()];
              b.get(values);
              out.put(e.getKey(), values);
            }
            outs.add(out);
          }
        }
      }
    }
    return outs;
  }

  /** Metadata for a model with {@code classes} numbered classes, CIFAR-like normalisation. */
  static OnnxMetadata metadata(
      String model, OnnxMetadata.Output output, int column, int classes, int channels, int size) {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < classes; i++) {
      names.add("class" + i);
    }
    float[] mean = new float[channels];
    float[] std = new float[channels];
    java.util.Arrays.fill(mean, 0.5f);
    java.util.Arrays.fill(std, 0.25f);
    return new OnnxMetadata(
        model,
        output,
        column,
        names,
        "test",
        new TransformSpec(channels, size, mean, std, 0, false, 0));
  }

  /** onnx.checker.check_model(full_check=True) on every file, by Debian's python3-onnx. */
  static void check(List<Path> files) {
    List<String> args = new ArrayList<>();
    for (Path f : files) {
      args.add(f.toString());
    }
    PythonReference.run("onnx_check.py", args.toArray(new String[0]));
  }
}
