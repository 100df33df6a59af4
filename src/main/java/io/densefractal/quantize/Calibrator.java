package io.densefractal.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.densefractal.DenseFractalException;
import io.densefractal.onnx.proto.OnnxProtos.GraphProto;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.TensorProto;
import io.densefractal.onnx.proto.OnnxProtos.TypeProto;
import io.densefractal.onnx.proto.OnnxProtos.ValueInfoProto;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Measures activation ranges: the float graph, with every value to be quantized made a graph
 * output, runs on the calibration images in ONNX Runtime. Min-max needs one pass; the percentile
 * method a second one that fills a histogram per value over its min-max range.
 */
final class Calibrator {
  /** Histogram resolution of the percentile method. */
  static final int BINS = 2048;

  /** The share of values kept inside the range by the percentile method (each side). */
  static final double PERCENTILE = 99.99;

  private Calibrator() {}

  static Map<String, Range> ranges(
      ModelProto model,
      Set<String> values,
      CalibrationImages images,
      CalibrationMethod method,
      int threads) {
    String input = model.getGraph().getInput(0).getName();
    List<String> outputs = values.stream().filter(v -> !v.equals(input)).toList();
    byte[] augmented = withOutputs(model, outputs).toByteArray();
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    try (SessionOptions options = new SessionOptions()) {
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      // Basic optimisation only: later fusions could not change a value that is an output, but
      // they would not speed up a graph whose every value is an output either.
      options.setOptimizationLevel(SessionOptions.OptLevel.BASIC_OPT);
      options.setInterOpNumThreads(1);
      if (threads > 0) {
        options.setIntraOpNumThreads(threads);
      }
      try (OrtSession session = env.createSession(augmented, options)) {
        long[] shape = {0, images.transform().channels(), images.transform().size(),
            images.transform().size()};
        Map<String, float[]> minMax = new LinkedHashMap<>();
        runAll(env, session, input, outputs, images, shape, (name, v) -> {
          float[] mm = minMax.computeIfAbsent(
              name, k -> new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
          for (float f : v) {
            if (!Float.isFinite(f)) {
              throw new DenseFractalException(
                  "calibration saw a non-finite activation in " + name
                      + "; the weights are broken (NaN/Inf)");
            }
            mm[0] = Math.min(mm[0], f);
            mm[1] = Math.max(mm[1], f);
          }
        });
        Map<String, Range> result = new HashMap<>();
        if (method == CalibrationMethod.minmax) {
          minMax.forEach((k, mm) -> result.put(k, new Range(mm[0], mm[1])));
          return result;
        }
        Map<String, long[]> histograms = new HashMap<>();
        runAll(env, session, input, outputs, images, shape, (name, v) -> {
          float[] mm = minMax.get(name);
          long[] h = histograms.computeIfAbsent(name, k -> new long[BINS]);
          double width = (mm[1] - mm[0]) / BINS;
          for (float f : v) {
            int bin = width > 0 ? (int) ((f - mm[0]) / width) : 0;
            h[Math.max(0, Math.min(BINS - 1, bin))]++;
          }
        });
        minMax.forEach((k, mm) -> result.put(k, percentile(histograms.get(k), mm)));
        return result;
      }
    } catch (OrtException e) {
      throw new DenseFractalException(
          "calibration could not run the float graph in ONNX Runtime: "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
          e);
    }
  }

  /** Lower and upper percentile (bin edges) of a histogram over [mm[0], mm[1]]. */
  static Range percentile(long[] histogram, float[] mm) {
    long total = 0;
    for (long c : histogram) {
      total += c;
    }
    double width = ((double) mm[1] - mm[0]) / histogram.length;
    double tail = total * (1 - PERCENTILE / 100);
    long seen = 0;
    int lo = 0;
    while (lo < histogram.length - 1 && seen + histogram[lo] <= tail) {
      seen += histogram[lo++];
    }
    seen = 0;
    int hi = histogram.length - 1;
    while (hi > 0 && seen + histogram[hi] <= tail) {
      seen += histogram[hi--];
    }
    return new Range((float) (mm[0] + lo * width), (float) (mm[0] + (hi + 1) * width));
  }

  private interface Sink {
    void accept(String name, float[] values);
  }

  private static void runAll(
      OrtEnvironment env,
      OrtSession session,
      String input,
      List<String> outputs,
      CalibrationImages images,
      long[] shape,
      Sink sink)
      throws OrtException {
    OrtException[] failure = new OrtException[1];
    images.forEach((x, n) -> {
      if (failure[0] != null) {
        return;
      }
      sink.accept(input, x);
      long[] s = shape.clone();
      s[0] = n;
      try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), s);
          OrtSession.Result r = session.run(Map.of(input, t), Set.copyOf(outputs))) {
        for (String name : outputs) {
          FloatBuffer b = ((OnnxTensor) r.get(name).orElseThrow()).getFloatBuffer();
          float[] v = new float[b.remaining()];
          b.get(v);
          sink.accept(name, v);
        }
      } catch (OrtException e) {
        failure[0] = e;
      }
    });
    if (failure[0] != null) {
      throw failure[0];
    }
  }

  private static ModelProto withOutputs(ModelProto model, List<String> outputs) {
    GraphProto.Builder g = model.getGraph().toBuilder();
    Set<String> existing = new java.util.HashSet<>();
    g.getOutputList().forEach(o -> existing.add(o.getName()));
    for (String o : outputs) {
      if (existing.add(o)) {
        g.addOutput(
            ValueInfoProto.newBuilder()
                .setName(o)
                .setType(
                    TypeProto.newBuilder()
                        .setTensorType(
                            TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT_VALUE))));
      }
    }
    return model.toBuilder().setGraph(g).build();
  }
}
