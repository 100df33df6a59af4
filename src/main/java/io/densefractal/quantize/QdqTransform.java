package io.densefractal.quantize;

import com.google.protobuf.ByteString;
import io.densefractal.DenseFractalException;
import io.densefractal.onnx.proto.OnnxProtos.AttributeProto;
import io.densefractal.onnx.proto.OnnxProtos.GraphProto;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.NodeProto;
import io.densefractal.onnx.proto.OnnxProtos.TensorProto;
import io.densefractal.onnx.proto.OnnxProtos.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns one of our float eval-mode graphs into a QDQ graph (QuantizeLinear/DequantizeLinear pairs
 * in the standard ONNX operator set), shaped so that ONNX Runtime fuses every convolution into
 * {@code QLinearConv}: a convolution reads a dequantized uint8 activation and per-channel
 * symmetric int8 weights (bias int32 at input scale × weight scale), and its output, or the ReLU
 * after it, is quantized at once. A ReLU that alone follows a convolution or an addition is
 * dropped: quantizing with zero point 0 clamps at zero, which is that ReLU exactly.
 *
 * <p>Residual additions and concatenations read dequantized inputs and quantize their outputs
 * (ORT's {@code QLinearAdd}, {@code QLinearConcat}); average pooling likewise ({@code
 * QLinearAveragePool}). Max pooling, slicing and zero padding run on the uint8 tensor itself (the
 * padding value is the zero point), as does a multiplication by a positive constant, which only
 * changes the scale: FractalNet's mean join becomes additions and that multiplication, so no
 * float round trip sits between two quantized convolutions; DenseNet's pre-activation BatchNorm
 * becomes a depthwise 1×1 convolution for the same reason ({@link #prepare}). What stays float:
 * global pooling, the classifier and the graph outputs.
 */
final class QdqTransform {
  private static final float UINT8_MAX = 255f;
  private static final float INT8_MAX = 127f;

  private final GraphProto in;
  private final Function<String, Range> ranges;
  private final GraphProto.Builder out = GraphProto.newBuilder();
  private final Map<String, TensorProto> initializers = new LinkedHashMap<>();
  private final Map<String, List<NodeProto>> consumers = new HashMap<>();
  private final Set<String> graphOutputs = new HashSet<>();
  private final Map<String, Quantized> ints = new HashMap<>();
  private final Set<String> floats = new HashSet<>();
  private final Set<String> replaced = new HashSet<>();
  private final Set<NodeProto> fused = new HashSet<>();
  private final Map<String, float[]> weightScales = new HashMap<>();
  private final Set<String> names = new HashSet<>();
  private final Map<String, String> concatGroup = new HashMap<>();

  /** A value held as uint8: the tensor, its scale and zero point initializers and values. */
  private record Quantized(String tensor, String scale, String zeroPoint, float s, int zp) {}

  private QdqTransform(GraphProto in, Function<String, Range> ranges) {
    this.in = in;
    this.ranges = ranges;
    for (TensorProto t : in.getInitializerList()) {
      initializers.put(t.getName(), t);
      names.add(t.getName());
    }
    for (ValueInfoProto v : in.getInputList()) {
      floats.add(v.getName());
      names.add(v.getName());
    }
    for (ValueInfoProto v : in.getOutputList()) {
      graphOutputs.add(v.getName());
    }
    for (NodeProto n : in.getNodeList()) {
      for (String i : n.getInputList()) {
        consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
      }
      names.addAll(n.getOutputList());
      if (n.getOpType().equals("Concat")) {
        String root = root(n.getOutput(0));
        for (String i : n.getInputList()) {
          concatGroup.put(root(i), root);
        }
      }
    }
  }

  private String root(String v) {
    String r = v;
    while (concatGroup.containsKey(r) && !concatGroup.get(r).equals(r)) {
      r = concatGroup.get(r);
    }
    return r;
  }

  /**
   * The range a value is quantized over. The values a concatenation joins (DenseNet's maps of one
   * dense block, the block's input included) share one range, the union of theirs: then {@code
   * QLinearConcat} copies bytes instead of requantizing every input (it still would, correctly,
   * for an input quantized elsewhere with other parameters).
   */
  private Range range(String v) {
    if (!concatGroup.containsKey(v) && !concatGroup.containsValue(v)) {
      return ranges.apply(v);
    }
    String root = root(v);
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (String member : names) {
      if (root(member).equals(root) && (concatGroup.containsKey(member) || member.equals(root))) {
        Range r = ranges.apply(member);
        min = Math.min(min, r.min());
        max = Math.max(max, r.max());
      }
    }
    return new Range(min, max);
  }

  /**
   * The same float function in the operators the quantized graph runs on integers: every {@code
   * Mean} becomes a chain of {@code Add}s and one {@code Mul} by 1/k (run as {@code QLinearAdd}s
   * and a change of scale), and every {@code BatchNormalization} a depthwise 1×1 {@code Conv}
   * (weight γ/√(var+ε), bias β − μ·γ/√(var+ε) per channel; a single per-channel weight is exact
   * in int8), which ORT runs as a depthwise {@code QLinearConv} with the ReLU after it folded in:
   * DenseNet's pre-activation BN-ReLU then stays in uint8 instead of a float round trip.
   * Calibrate and quantize this graph.
   */
  static ModelProto prepare(ModelProto model) {
    GraphProto g = model.getGraph();
    Map<String, TensorProto> inits = new HashMap<>();
    g.getInitializerList().forEach(t -> inits.put(t.getName(), t));
    GraphProto.Builder b = g.toBuilder().clearNode();
    for (NodeProto n : g.getNodeList()) {
      if (n.getOpType().equals("BatchNormalization") && n.getOutputCount() == 1) {
        batchNormAsConv(n, inits, b);
        continue;
      }
      if (!n.getOpType().equals("Mean") || n.getInputCount() < 2) {
        b.addNode(n);
        continue;
      }
      String name = n.getOutput(0);
      String sum = n.getInput(0);
      for (int i = 1; i < n.getInputCount(); i++) {
        String s = name + ".sum" + (i == n.getInputCount() - 1 ? "" : Integer.toString(i));
        b.addNode(node("Add", List.of(sum, n.getInput(i)), s));
        sum = s;
      }
      String inverse = name + ".inverse";
      b.addInitializer(floats(inverse, new long[0], new float[] {1f / n.getInputCount()}));
      b.addNode(node("Mul", List.of(sum, inverse), name));
    }
    return model.toBuilder().setGraph(b).build();
  }

  private static void batchNormAsConv(
      NodeProto n, Map<String, TensorProto> inits, GraphProto.Builder b) {
    float epsilon = 1e-5f;
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals("epsilon")) {
        epsilon = a.getF();
      }
    }
    float[] gamma = values(inits.get(n.getInput(1)));
    float[] beta = values(inits.get(n.getInput(2)));
    float[] mean = values(inits.get(n.getInput(3)));
    float[] var = values(inits.get(n.getInput(4)));
    int c = gamma.length;
    float[] w = new float[c];
    float[] bias = new float[c];
    for (int i = 0; i < c; i++) {
      double scale = gamma[i] / Math.sqrt((double) var[i] + epsilon);
      w[i] = (float) scale;
      bias[i] = (float) (beta[i] - mean[i] * scale);
    }
    String name = n.getOutput(0);
    b.addInitializer(floats(name + ".depthwise.weight", new long[] {c, 1, 1, 1}, w));
    b.addInitializer(floats(name + ".depthwise.bias", new long[] {c}, bias));
    b.addNode(
        NodeProto.newBuilder()
            .setOpType("Conv")
            .setName(name)
            .addAllInput(
                List.of(n.getInput(0), name + ".depthwise.weight", name + ".depthwise.bias"))
            .addOutput(name)
            .addAttribute(ints("kernel_shape", 1, 1))
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("group")
                    .setType(AttributeProto.AttributeType.INT)
                    .setI(c)));
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  /** The float values (graph input or node outputs) whose ranges {@link #quantize} will ask for. */
  static Set<String> valuesToCalibrate(ModelProto model) {
    Set<String> asked = new LinkedHashSet<>();
    new QdqTransform(
            model.getGraph(),
            v -> {
              asked.add(v);
              return new Range(0f, 1f);
            })
        .run();
    return asked;
  }

  /** The QDQ model of {@code model} (from {@link #prepare}) with these activation ranges. */
  static ModelProto quantize(ModelProto model, Function<String, Range> ranges) {
    return model.toBuilder().setGraph(new QdqTransform(model.getGraph(), ranges).run()).build();
  }

  private GraphProto run() {
    out.setName(in.getName()).addAllInput(in.getInputList()).addAllOutput(in.getOutputList());
    for (NodeProto n : in.getNodeList()) {
      if (fused.contains(n)) {
        continue;
      }
      switch (n.getOpType()) {
        case "Conv", "Concat", "AveragePool" -> quantized(n);
        case "Add" -> {
          if (initializers.containsKey(n.getInput(0)) || initializers.containsKey(n.getInput(1))) {
            plain(n);
          } else {
            quantized(n);
          }
        }
        case "MaxPool", "Slice" -> {
          if (ints.containsKey(n.getInput(0))) {
            onIntegers(n, n.getInputList().subList(1, n.getInputCount()));
          } else {
            plain(n);
          }
        }
        case "Pad" -> {
          Quantized q = ints.get(n.getInput(0));
          if (q != null && n.getInputCount() == 2 && isConstantMode(n)) {
            onIntegers(n, List.of(n.getInput(1), q.zeroPoint()));
          } else {
            plain(n);
          }
        }
        case "Mul" -> {
          Float c = positiveScalar(n.getInput(1));
          Quantized q = ints.get(n.getInput(0));
          if (c != null && q != null) {
            String scale = unique(n.getOutput(0) + "_scale");
            out.addInitializer(floats(scale, new long[0], new float[] {q.s() * c}));
            ints.put(
                n.getOutput(0), new Quantized(q.tensor(), scale, q.zeroPoint(), q.s() * c, q.zp()));
            replaced.add(n.getInput(1));
          } else {
            plain(n);
          }
        }
        default -> plain(n);
      }
    }
    for (TensorProto t : initializers.values()) {
      if (!replaced.contains(t.getName())) {
        out.addInitializer(t);
      }
    }
    return out.build();
  }

  /** A node run in float: its inputs dequantized where they are held as uint8. */
  private void plain(NodeProto n) {
    NodeProto.Builder b = n.toBuilder().clearInput();
    for (String i : n.getInputList()) {
      b.addInput(floatOf(i));
    }
    out.addNode(b);
    floats.addAll(n.getOutputList());
  }

  /** A node that ORT fuses into its QLinear form: DQ inputs, the node, Q output. */
  private void quantized(NodeProto n) {
    NodeProto.Builder b = n.toBuilder().clearInput();
    if (n.getOpType().equals("Conv")) {
      Quantized x = intOf(n.getInput(0));
      b.addInput(dequantize(x));
      b.addInput(weight(n.getInput(1)));
      if (n.getInputCount() > 2) {
        b.addInput(bias(n.getInput(2), x.s(), weightScales.get(n.getInput(1))));
      }
    } else {
      for (String i : n.getInputList()) {
        b.addInput(dequantize(intOf(i)));
      }
    }
    out.addNode(b);
    String o = n.getOutput(0);
    String held = o;
    boolean clampsAtZero = false;
    List<NodeProto> next = consumers.getOrDefault(o, List.of());
    if (next.size() == 1 && next.get(0).getOpType().equals("Relu") && !graphOutputs.contains(o)) {
      fused.add(next.get(0));
      held = next.get(0).getOutput(0);
      clampsAtZero = true;
    }
    Range r = range(held);
    ints.put(held, quantizeNode(o, held, clampsAtZero ? new Range(0f, r.max()) : r));
  }

  /** MaxPool, Slice or Pad on the uint8 tensor: the same scale and zero point come out. */
  private void onIntegers(NodeProto n, List<String> rest) {
    Quantized q = ints.get(n.getInput(0));
    String o = unique(n.getOutput(0) + "_quantized");
    NodeProto.Builder b =
        n.toBuilder()
            .clearInput()
            .addInput(q.tensor())
            .addAllInput(rest)
            .clearOutput()
            .addOutput(o);
    b.setName(o);
    out.addNode(b);
    ints.put(n.getOutput(0), new Quantized(o, q.scale(), q.zeroPoint(), q.s(), q.zp()));
  }

  private String floatOf(String v) {
    if (floats.contains(v) || initializers.containsKey(v) || v.isEmpty()) {
      return v;
    }
    Quantized q = ints.get(v);
    if (q == null) {
      throw new IllegalStateException("no value " + v + " before its use");
    }
    return dequantize(q);
  }

  private Quantized intOf(String v) {
    Quantized q = ints.get(v);
    if (q != null) {
      return q;
    }
    if (!floats.contains(v)) {
      throw new IllegalStateException("no value " + v + " before its use");
    }
    return quantizeNode(v, v, range(v));
  }

  /** QuantizeLinear of float {@code value} to uint8 over {@code r}, named after {@code held}. */
  private Quantized quantizeNode(String value, String held, Range r) {
    float min = Math.min(0f, r.min());
    float max = Math.max(0f, r.max());
    if (!Float.isFinite(min) || !Float.isFinite(max)) {
      throw new DenseFractalException(
          "calibration saw non-finite values in " + held + "; the weights are broken");
    }
    float s = max > min ? (max - min) / UINT8_MAX : 1f;
    int zp = Math.max(0, Math.min(255, Math.round(-min / s)));
    String scale = unique(held + "_scale");
    String zeroPoint = unique(held + "_zero_point");
    out.addInitializer(floats(scale, new long[0], new float[] {s}));
    out.addInitializer(
        TensorProto.newBuilder()
            .setName(zeroPoint)
            .setDataType(TensorProto.DataType.UINT8_VALUE)
            .setRawData(ByteString.copyFrom(new byte[] {(byte) zp})));
    String q = unique(held + "_quantized");
    out.addNode(node("QuantizeLinear", List.of(value, scale, zeroPoint), q));
    return new Quantized(q, scale, zeroPoint, s, zp);
  }

  private String dequantize(Quantized q) {
    String o = unique(q.tensor() + "_dequantized");
    out.addNode(node("DequantizeLinear", List.of(q.tensor(), q.scale(), q.zeroPoint()), o));
    return o;
  }

  /**
   * Per-output-channel symmetric int8 weights: scale max|w|/127, zero point 0. The dequantized
   * weights keep the float initializer's name.
   */
  private String weight(String name) {
    if (weightScales.containsKey(name)) {
      return name;
    }
    TensorProto t = initializer(name);
    float[] w = values(t);
    int channels = (int) t.getDims(0);
    int per = w.length / channels;
    float[] scales = new float[channels];
    byte[] q = new byte[w.length];
    for (int o = 0; o < channels; o++) {
      float max = 0f;
      for (int i = o * per; i < (o + 1) * per; i++) {
        max = Math.max(max, Math.abs(w[i]));
      }
      float s = max > 0f ? max / INT8_MAX : 1f;
      scales[o] = s;
      for (int i = o * per; i < (o + 1) * per; i++) {
        q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / s)));
      }
    }
    weightScales.put(name, scales);
    String quantized = unique(name + "_quantized");
    String scale = unique(name + "_scale");
    String zeroPoint = unique(name + "_zero_point");
    out.addInitializer(
        TensorProto.newBuilder()
            .setName(quantized)
            .addAllDims(t.getDimsList())
            .setDataType(TensorProto.DataType.INT8_VALUE)
            .setRawData(ByteString.copyFrom(q)));
    out.addInitializer(floats(scale, new long[] {channels}, scales));
    out.addInitializer(
        TensorProto.newBuilder()
            .setName(zeroPoint)
            .addDims(channels)
            .setDataType(TensorProto.DataType.INT8_VALUE)
            .setRawData(ByteString.copyFrom(new byte[channels])));
    out.addNode(
        node(
            "DequantizeLinear",
            List.of(quantized, scale, zeroPoint),
            name,
            axisZero()));
    replaced.add(name);
    return name;
  }

  /** int32 bias at scale input scale × weight scale (per channel), zero point 0: QLinearConv's. */
  private String bias(String name, float inputScale, float[] weightScale) {
    TensorProto t = initializer(name);
    float[] b = values(t);
    float[] scales = new float[b.length];
    ByteBuffer q = ByteBuffer.allocate(4 * b.length).order(ByteOrder.LITTLE_ENDIAN);
    for (int o = 0; o < b.length; o++) {
      scales[o] = inputScale * weightScale[o];
      double v = Math.rint(b[o] / (double) scales[o]);
      q.putInt((int) Math.max(Integer.MIN_VALUE + 1, Math.min(Integer.MAX_VALUE, v)));
    }
    String quantized = unique(name + "_quantized");
    String scale = unique(name + "_scale");
    String zeroPoint = unique(name + "_zero_point");
    out.addInitializer(
        TensorProto.newBuilder()
            .setName(quantized)
            .addDims(b.length)
            .setDataType(TensorProto.DataType.INT32_VALUE)
            .setRawData(ByteString.copyFrom(q.array())));
    out.addInitializer(floats(scale, new long[] {b.length}, scales));
    out.addInitializer(
        TensorProto.newBuilder()
            .setName(zeroPoint)
            .addDims(b.length)
            .setDataType(TensorProto.DataType.INT32_VALUE)
            .setRawData(ByteString.copyFrom(new byte[4 * b.length])));
    out.addNode(
        node(
            "DequantizeLinear",
            List.of(quantized, scale, zeroPoint),
            name,
            axisZero()));
    replaced.add(name);
    return name;
  }

  private TensorProto initializer(String name) {
    TensorProto t = initializers.get(name);
    if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
      throw new IllegalStateException(name + " is not a float initializer");
    }
    return t;
  }

  private Float positiveScalar(String name) {
    TensorProto t = initializers.get(name);
    if (t == null || t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
      return null;
    }
    float[] v = values(t);
    return v.length == 1 && v[0] > 0f && Float.isFinite(v[0]) ? v[0] : null;
  }

  private static boolean isConstantMode(NodeProto n) {
    for (AttributeProto a : n.getAttributeList()) {
      if (a.getName().equals("mode") && !a.getS().toStringUtf8().equals("constant")) {
        return false;
      }
    }
    return true;
  }

  static float[] values(TensorProto t) {
    if (t.getFloatDataCount() > 0) {
      float[] v = new float[t.getFloatDataCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = t.getFloatData(i);
      }
      return v;
    }
    var buffer = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[buffer.remaining() / 4];
    buffer.asFloatBuffer().get(v);
    return v;
  }

  private String unique(String name) {
    String n = name;
    for (int i = 2; !names.add(n); i++) {
      n = name + "_" + i;
    }
    return n;
  }

  private static AttributeProto axisZero() {
    return AttributeProto.newBuilder()
        .setName("axis")
        .setType(AttributeProto.AttributeType.INT)
        .setI(0)
        .build();
  }

  private static NodeProto node(
      String op, List<String> inputs, String output, AttributeProto... a) {
    return NodeProto.newBuilder()
        .setOpType(op)
        .setName(output)
        .addAllInput(inputs)
        .addOutput(output)
        .addAllAttribute(List.of(a))
        .build();
  }

  private static TensorProto floats(String name, long[] shape, float[] values) {
    ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(buf.array()));
    for (long d : shape) {
      b.addDims(d);
    }
    return b.build();
  }
}
