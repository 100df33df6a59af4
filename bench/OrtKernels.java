// Which kernels ONNX Runtime ran for an .onnx file: one forward of a batch of zeros with
// profiling on (ALL_OPT, as `densefractal` runs files), then the node count per op type.
//   java -cp target/densefractal-cli.jar bench/OrtKernels.java MODEL.onnx [THREADS]
// Prints two lines: {"QLinearConv": 53, ...} (nodes run per op type) and the per-op-type share of
// kernel time over RUNS forwards (default 1). A quantized graph whose convolutions fell back to
// float shows Conv/FusedConv here.
//   java -cp target/densefractal-cli.jar bench/OrtKernels.java MODEL.onnx [THREADS [RUNS]]
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

public class OrtKernels {
  public static void main(String[] args) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    Path prefix = Files.createTempDirectory("ort-kernels").resolve("profile");
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setIntraOpNumThreads(args.length > 1 ? Integer.parseInt(args[1]) : 2);
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.enableProfiling(prefix.toString());
      try (OrtSession s = env.createSession(args[0], o)) {
        NodeInfo in = s.getInputInfo().values().iterator().next();
        long[] shape = ((TensorInfo) in.getInfo()).getShape().clone();
        shape[0] = 1;
        long n = 1;
        for (long d : shape) {
          n *= d;
        }
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.allocate((int) n), shape)) {
          for (int i = 0; i < runs; i++) {
            s.run(Map.of(in.getName(), x)).close();
          }
          Path trace = Path.of(s.endProfiling());
          Map<String, Integer> ops = new TreeMap<>();
          Map<String, Long> micros = new TreeMap<>();
          long total = 0;
          for (JsonElement e : JsonParser.parseString(Files.readString(trace)).getAsJsonArray()) {
            JsonObject ev = e.getAsJsonObject();
            if (ev.get("cat").getAsString().equals("Node")
                && ev.get("name").getAsString().endsWith("_kernel_time")) {
              String op = ev.getAsJsonObject("args").get("op_name").getAsString();
              ops.merge(op, 1, Integer::sum);
              micros.merge(op, ev.get("dur").getAsLong(), Long::sum);
              total += ev.get("dur").getAsLong();
            }
          }
          Files.delete(trace);
          for (String op : ops.keySet()) {
            ops.put(op, ops.get(op) / runs);
          }
          System.out.println(new com.google.gson.Gson().toJson(ops));
          StringBuilder share = new StringBuilder("kernel time:");
          long all = total;
          micros.entrySet().stream()
              .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
              .forEach(e -> share.append(String.format(java.util.Locale.ROOT, " %s %.0f%%",
                  e.getKey(), 100.0 * e.getValue() / all)));
          System.out.println(share + String.format(java.util.Locale.ROOT,
              " (%.1f ms per forward)", total / 1000.0 / runs));
        }
      }
    }
  }
}
