package io.densefractal.onnx;

import com.google.protobuf.ByteString;
import io.densefractal.models.Layers;
import io.densefractal.onnx.proto.OnnxProtos.AttributeProto;
import io.densefractal.onnx.proto.OnnxProtos.GraphProto;
import io.densefractal.onnx.proto.OnnxProtos.NodeProto;
import io.densefractal.onnx.proto.OnnxProtos.TensorProto;
import io.densefractal.onnx.proto.OnnxProtos.TensorShapeProto;
import io.densefractal.onnx.proto.OnnxProtos.TypeProto;
import io.densefractal.onnx.proto.OnnxProtos.ValueInfoProto;
import io.densefractal.weights.DType;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an eval-mode ONNX graph one layer at a time: each method adds the node(s) of one layer and
 * returns the name of its output value. Weights come from a state dict by their torch key ({@code
 * layer1.0.conv1}) and become initializers of the same name, so the graph's tensors can be matched
 * with the weights file key for key (a convolution with its batch norm folded in keeps the conv's
 * key for the folded kernel and bias). Value names are unique: a layer's output takes the layer's
 * key.
 */
final class OnnxGraph {
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final StateDict weights;
  private final Map<String, Integer> used = new HashMap<>();

  OnnxGraph(String name, StateDict weights) {
    this.weights = weights;
    graph.setName(name);
  }

  /** A float32 graph input; a String dimension is symbolic (dynamic), a Long is fixed. */
  String input(String name, Object... dims) {
    graph.addInput(valueInfo(name, dims));
    return name;
  }

  /** Declares {@code value} a graph output called {@code name} (renamed by an Identity). */
  void output(String value, String name, Object... dims) {
    node("Identity", List.of(value), name, List.of());
    graph.addOutput(valueInfo(name, dims));
  }

  GraphProto build() {
    return graph.build();
  }

  /** torch's Conv2d (no bias) from {@code key.weight}: square kernel, stride, padding, groups. */
  String conv(String x, String key, int stride, int padding, int groups) {
    String w = weight(key + ".weight");
    long[] shape = weights.get(key + ".weight").shape();
    return node(
        "Conv",
        List.of(x, w),
        key,
        List.of(
            ints("kernel_shape", shape[2], shape[3]),
            ints("strides", stride, stride),
            ints("pads", padding, padding, padding, padding),
            ints("dilations", 1, 1),
            integer("group", groups)));
  }

  /** A stride-1 convolution padded to keep the size (padding kernel / 2), as FractalNet's. */
  String convSame(String x, String key) {
    return conv(x, key, 1, (int) (weights.get(key + ".weight").shape()[2] / 2), 1);
  }

  /** torch's BatchNorm2d in eval mode: running statistics, epsilon 1e-5. */
  String batchNorm(String x, String key) {
    return node(
        "BatchNormalization",
        List.of(
            x,
            weight(key + ".weight"),
            weight(key + ".bias"),
            weight(key + ".running_mean"),
            weight(key + ".running_var")),
        key,
        List.of(real("epsilon", Layers.BATCH_NORM_EPSILON)));
  }

  /**
   * torch's Conv2d (no bias) followed by its eval-mode BatchNorm2d, as one Conv: the batch norm's
   * affine map folded into the kernel and a bias, as torch.onnx.export and PyTorch's
   * fuse_conv_bn_eval do. Per output channel o, with s = γ/√(var+ε): w'[o] = w[o]·s and
   * b'[o] = β − μ·s, computed in double then rounded to float. Initializers {@code key.weight} and
   * {@code key.bias} hold the folded values (they differ from the weights file's conv weight).
   */
  String convBatchNorm(String x, String key, String bnKey, int stride, int padding, int groups) {
    Tensor w = require(key + ".weight");
    long[] shape = w.shape();
    float[] kernel = w.toFloatArray();
    float[] gamma = require(bnKey + ".weight").toFloatArray();
    float[] beta = require(bnKey + ".bias").toFloatArray();
    float[] mean = require(bnKey + ".running_mean").toFloatArray();
    float[] var = require(bnKey + ".running_var").toFloatArray();
    int out = (int) shape[0];
    int per = kernel.length / out;
    float[] folded = new float[kernel.length];
    float[] bias = new float[out];
    for (int o = 0; o < out; o++) {
      double scale = gamma[o] / Math.sqrt((double) var[o] + Layers.BATCH_NORM_EPSILON);
      for (int i = o * per; i < (o + 1) * per; i++) {
        folded[i] = (float) (kernel[i] * scale);
      }
      bias[o] = (float) (beta[o] - mean[o] * scale);
    }
    String wName = floats(key + ".weight", shape, folded);
    String bName = floats(key + ".bias", new long[] {out}, bias);
    return node(
        "Conv",
        List.of(x, wName, bName),
        key,
        List.of(
            ints("kernel_shape", shape[2], shape[3]),
            ints("strides", stride, stride),
            ints("pads", padding, padding, padding, padding),
            ints("dilations", 1, 1),
            integer("group", groups)));
  }

  /** {@link #convBatchNorm} for a stride-1 convolution padded to keep the size (FractalNet's). */
  String convSameBatchNorm(String x, String key, String bnKey) {
    int padding = (int) (require(key + ".weight").shape()[2] / 2);
    return convBatchNorm(x, key, bnKey, 1, padding, 1);
  }

  String relu(String x) {
    return node("Relu", List.of(x), x + ".relu", List.of());
  }

  /** Max pooling, square window, floor mode (torch's default). */
  String maxPool(String x, String name, int kernel, int stride, int padding) {
    return node(
        "MaxPool",
        List.of(x),
        name,
        List.of(
            ints("kernel_shape", kernel, kernel),
            ints("strides", stride, stride),
            ints("pads", padding, padding, padding, padding)));
  }

  /** Average pooling without padding (DenseNet's transitions). */
  String averagePool(String x, String name, int kernel, int stride) {
    return node(
        "AveragePool",
        List.of(x),
        name,
        List.of(ints("kernel_shape", kernel, kernel), ints("strides", stride, stride)));
  }

  /** Global average pooling to (N, C): torch's adaptive_avg_pool2d(1) then flatten. */
  String globalAveragePoolFlat(String x, String name) {
    String pooled = node("GlobalAveragePool", List.of(x), name + ".pool", List.of());
    return node("Flatten", List.of(pooled), name, List.of(integer("axis", 1)));
  }

  /** torch's Linear from {@code key.weight} (out, in) and {@code key.bias}: x·Wᵀ + b. */
  String linear(String x, String key) {
    return node(
        "Gemm",
        List.of(x, weight(key + ".weight"), weight(key + ".bias")),
        key,
        List.of(integer("transB", 1)));
  }

  String add(String a, String b, String name) {
    return node("Add", List.of(a, b), name, List.of());
  }

  String concat(List<String> xs, String name) {
    return xs.size() == 1 ? xs.get(0) : node("Concat", xs, name, List.of(integer("axis", 1)));
  }

  /** Element-wise mean of the inputs (FractalNet's join); one input is returned as it is. */
  String mean(List<String> xs, String name) {
    return xs.size() == 1 ? xs.get(0) : node("Mean", xs, name, List.of());
  }

  /**
   * Option-A shortcut: every {@code stride}-th row and column ({@code x[:, :, ::s, ::s]}), then
   * {@code before} and {@code after} zero channels.
   */
  String subsampleAndPadChannels(String x, String name, int stride, long before, long after) {
    String y = x;
    if (stride > 1) {
      y =
          node(
              "Slice",
              List.of(
                  x,
                  constant(name + ".starts", 0, 0),
                  constant(name + ".ends", Long.MAX_VALUE, Long.MAX_VALUE),
                  constant(name + ".axes", 2, 3),
                  constant(name + ".steps", stride, stride)),
              name + ".subsample",
              List.of());
    }
    if (before + after == 0) {
      return y;
    }
    return node(
        "Pad",
        List.of(y, constant(name + ".pads", 0, before, 0, 0, 0, after, 0, 0)),
        name,
        List.of());
  }

  /** Adds the state dict's tensor {@code key} as an initializer (once) and returns its name. */
  private String weight(String key) {
    Tensor t = weights.get(key);
    if (t == null) {
      throw new IllegalStateException("the model's weights lack " + key);
    }
    if (used.containsKey(key)) {
      return key;
    }
    used.put(key, 1);
    TensorProto.Builder b = TensorProto.newBuilder().setName(key);
    for (long d : t.shape()) {
      b.addDims(d);
    }
    if (t.dtype() == DType.FLOAT32) {
      b.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(t.buffer()));
    } else {
      float[] values = t.toFloatArray();
      ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(values);
      b.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(buf.array()));
    }
    graph.addInitializer(b);
    return key;
  }

  private Tensor require(String key) {
    Tensor t = weights.get(key);
    if (t == null) {
      throw new IllegalStateException("the model's weights lack " + key);
    }
    return t;
  }

  /** A float32 initializer computed here (folded weights); returns its (unique) name. */
  private String floats(String name, long[] shape, float[] values) {
    String unique = unique(name);
    TensorProto.Builder b = TensorProto.newBuilder().setName(unique);
    for (long d : shape) {
      b.addDims(d);
    }
    ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    buf.asFloatBuffer().put(values);
    b.setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(buf.array()));
    graph.addInitializer(b);
    return unique;
  }

  /** A 1-D int64 initializer (shape arguments of Slice and Pad). */
  private String constant(String name, long... values) {
    String unique = unique(name);
    TensorProto.Builder b =
        TensorProto.newBuilder()
            .setName(unique)
            .setDataType(TensorProto.DataType.INT64_VALUE)
            .addDims(values.length);
    for (long v : values) {
      b.addInt64Data(v);
    }
    graph.addInitializer(b);
    return unique;
  }

  private String node(String op, List<String> inputs, String name, List<AttributeProto> attrs) {
    String out = unique(name);
    graph.addNode(
        NodeProto.newBuilder()
            .setOpType(op)
            .setName(out)
            .addAllInput(inputs)
            .addOutput(out)
            .addAllAttribute(attrs));
    return out;
  }

  /** {@code name}, or {@code name_2}, {@code name_3}, ... when it was taken. */
  private String unique(String name) {
    int n = used.merge(name, 1, Integer::sum);
    return n == 1 ? name : unique(name + "_" + n);
  }

  private static ValueInfoProto valueInfo(String name, Object... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (Object d : dims) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof String param) {
        dim.setDimParam(param);
      } else {
        dim.setDimValue(((Number) d).longValue());
      }
      shape.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(shape)))
        .build();
  }

  private static AttributeProto ints(String name, long... values) {
    AttributeProto.Builder a =
        AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
    for (long v : values) {
      a.addInts(v);
    }
    return a.build();
  }

  private static AttributeProto integer(String name, long value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.INT)
        .setI(value)
        .build();
  }

  private static AttributeProto real(String name, float value) {
    return AttributeProto.newBuilder()
        .setName(name)
        .setType(AttributeProto.AttributeType.FLOAT)
        .setF(value)
        .build();
  }
}
