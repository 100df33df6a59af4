package io.densefractal.onnx;

import ai.djl.nn.Block;
import io.densefractal.DenseFractalException;
import io.densefractal.files.AtomicFiles;
import io.densefractal.models.densenet.DenseNet;
import io.densefractal.models.fractalnet.FractalNet;
import io.densefractal.models.resnet.ResNet;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.OperatorSetIdProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.block.ModelWeights;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a zoo model with its weights as an eval-mode ONNX graph. Input {@code input} (N, C, H, W)
 * float32, normalised as the metadata's transform says; N is dynamic, H and W are fixed at the
 * metadata's input size unless asked dynamic (every zoo model ends in global average pooling, so
 * any size runs): with fixed spatial sizes ONNX Runtime plans its buffers ahead and holds less
 * memory (docs/BENCHMARKS.md). Outputs by {@link OnnxMetadata#output()}: LOGITS gives {@code
 * logits} (N, classes) and {@code embedding} (N, D), the pooled last feature map the classifier
 * reads, so one file serves predictions and embeddings; FEATURES gives {@code features} (N, D, h,
 * w), the unpooled map; EMBEDDING gives {@code embedding} alone.
 *
 * <p>A BatchNorm that directly follows a convolution is folded into it (one Conv with a bias), as
 * torch.onnx.export does in eval mode; the others (DenseNet's pre-activation BatchNorms, after a
 * concatenation) stay {@code BatchNormalization} nodes in inference form (running statistics).
 */
public final class OnnxExport {
  /**
   * The operator set the graphs use. Not newer: from opset 15 on, BatchNormalization is version
   * 15, which ONNX Runtime 1.22's NCHWc layout transformer leaves alone, so DenseNet's
   * pre-activation BatchNorms run as separate nodes with layout reorders around each; at version
   * 14 they become blocked depthwise convolutions with the ReLU fused (docs/BENCHMARKS.md,
   * "Opset 14").
   */
  public static final int OPSET = 14;

  /** IR version 8 (ONNX 1.10 on), which ONNX 1.12's checker accepts with opset 14. */
  public static final long IR_VERSION = 8;

  /** The producer name written to every file. */
  public static final String PRODUCER = "densefractal";

  private OnnxExport() {}

  /**
   * The ONNX model of {@code network} (an initialised zoo model) with its current weights.
   *
   * @throws DenseFractalException when the metadata asks for a column of a network without any,
   *     or one out of range
   */
  public static ModelProto of(Block network, OnnxMetadata metadata) {
    return of(network, metadata, false);
  }

  /**
   * The ONNX model of {@code network}, with a fixed (the metadata's input size) or, when {@code
   * dynamicSize}, a dynamic spatial size.
   *
   * @throws DenseFractalException when the metadata asks for a column of a network without any,
   *     or one out of range
   */
  public static ModelProto of(Block network, OnnxMetadata metadata, boolean dynamicSize) {
    StateDict weights = ModelWeights.stateDict(network);
    OnnxGraph g = new OnnxGraph(metadata.model(), weights);
    int channels = metadata.transforms().channels();
    Object inputH = dynamicSize ? "H" : (Object) (long) metadata.transforms().size();
    Object inputW = dynamicSize ? "W" : (Object) (long) metadata.transforms().size();
    String x = g.input(OnnxMetadata.INPUT, "N", channels, inputH, inputW);
    String features;
    String classifier;
    if (metadata.column() != 0 && !(network instanceof FractalNet)) {
      throw new DenseFractalException(
          metadata.model() + " has no columns (FractalNet models have); drop --column");
    }
    if (network instanceof ResNet resnet) {
      features = ResNetGraph.features(g, resnet.config(), x);
      classifier = "fc";
    } else if (network instanceof DenseNet densenet) {
      features = DenseNetGraph.features(g, densenet.config(), x);
      classifier = "classifier";
    } else if (network instanceof FractalNet fractalnet) {
      int columns = fractalnet.columns();
      if (metadata.column() < 0 || metadata.column() > columns) {
        throw new DenseFractalException(
            String.format(
                Locale.ROOT,
                "--column must be in 1..%d for %s (1 = shallowest), got %d",
                columns,
                metadata.model(),
                metadata.column()));
      }
      features = FractalNetGraph.features(g, fractalnet.config(), x, metadata.column());
      classifier = "classifier";
    } else {
      throw new DenseFractalException(
          "cannot export " + network.getClass().getSimpleName() + " to ONNX: not a zoo model");
    }
    long[] fc = weights.get(classifier + ".weight").shape();
    long classes = fc[0];
    long width = fc[1];
    switch (metadata.output()) {
      case LOGITS -> {
        String embedding = g.globalAveragePoolFlat(features, "pooled");
        g.output(g.linear(embedding, classifier), "logits", "N", classes);
        g.output(embedding, OnnxMetadata.Output.EMBEDDING.tensorName(), "N", width);
      }
      case EMBEDDING ->
          g.output(
              g.globalAveragePoolFlat(features, "pooled"),
              OnnxMetadata.Output.EMBEDDING.tensorName(),
              "N",
              width);
      case FEATURES ->
          g.output(features, OnnxMetadata.Output.FEATURES.tensorName(), "N", width, "h", "w");
    }
    ModelProto.Builder model =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName(PRODUCER)
            .setProducerVersion(producerVersion())
            .setDocString(docString(metadata, classes, width))
            .setGraph(g.build());
    for (Map.Entry<String, String> e : metadata.toProperties().entrySet()) {
      model.addMetadataProps(
          StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return model.build();
  }

  /**
   * Writes {@link #of} to {@code target} atomically: the old file stays whole if anything fails.
   *
   * @return the model written
   */
  public static ModelProto write(Block network, OnnxMetadata metadata, Path target) {
    return write(network, metadata, target, false);
  }

  /**
   * Writes {@link #of(Block, OnnxMetadata, boolean)} to {@code target} atomically.
   *
   * @return the model written
   */
  public static ModelProto write(
      Block network, OnnxMetadata metadata, Path target, boolean dynamicSize) {
    ModelProto model = of(network, metadata, dynamicSize);
    AtomicFiles.write(target, model::writeTo);
    return model;
  }

  private static String docString(OnnxMetadata m, long classes, long width) {
    String what =
        switch (m.output()) {
          case LOGITS ->
              "outputs logits (N, " + classes + ") and embedding (N, " + width + ")";
          case EMBEDDING -> "output embedding (N, " + width + "): pooled features, no classifier";
          case FEATURES ->
              "output features (N, " + width + ", h, w): last feature map, no pooling/classifier";
        };
    return String.format(
        Locale.ROOT,
        "%s%s exported by densefractal: eval-mode graph; input (N, %d, H, W) float32 normalised"
            + " with mean %s and std %s (%d x %d for the weights' training); %s.",
        m.model(),
        m.column() == 0 ? "" : " column " + m.column(),
        m.transforms().channels(),
        java.util.Arrays.toString(m.transforms().mean()),
        java.util.Arrays.toString(m.transforms().std()),
        m.transforms().size(),
        m.transforms().size(),
        what);
  }

  private static String producerVersion() {
    String v = OnnxExport.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }
}
