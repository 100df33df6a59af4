// Which kernels ONNX Runtime ran for an .onnx file: one forward of a batch of zeros with
// profiling on (ALL_OPT, as `densefractal` runs files), then the node count per op type.
//   java -cp target/densefractal-cli.jar bench/OrtKernels.java MODEL.onnx [THREADS]
// Prints one line: {"QLinearConv": 53, ...}. A quantized graph whose convolutions fell back to
// float shows Conv/FusedConv here.
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
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.allocate((int) n), shape);
            OrtSession.Result r = s.run(Map.of(in.getName(), x))) {
          Path trace = Path.of(s.endProfiling());
          Map<String, Integer> ops = new TreeMap<>();
          for (JsonElement e : JsonParser.parseString(Files.readString(trace)).getAsJsonArray()) {
            JsonObject ev = e.getAsJsonObject();
            if (ev.get("cat").getAsString().equals("Node")
                && ev.get("name").getAsString().endsWith("_kernel_time")) {
              ops.merge(ev.getAsJsonObject("args").get("op_name").getAsString(), 1, Integer::sum);
            }
          }
          Files.delete(trace);
          System.out.println(new com.google.gson.Gson().toJson(ops));
        }
      }
    }
  }
}
