package io.densefractal.quantize;

import ai.djl.nn.Block;
import io.densefractal.files.AtomicFiles;
import io.densefractal.onnx.OnnxExport;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.onnx.proto.OnnxProtos.ModelProto;
import io.densefractal.onnx.proto.OnnxProtos.StringStringEntryProto;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Static post-training int8 quantization at export: the float graph of {@link OnnxExport},
 * calibrated on images of a training split, written as a QDQ graph ({@link QdqTransform}) that
 * ONNX Runtime runs with its int8 kernels. The file carries our usual metadata plus what was
 * quantized, how and on what data, so it runs wherever an {@code .onnx} file runs.
 */
public final class QuantizedExport {
  /** Metadata keys added to a quantized file. */
  public static final String QUANTIZED = "densefractal.quantized";

  public static final String SCHEME = "densefractal.quantization";
  public static final String METHOD = "densefractal.calibration_method";
  public static final String IMAGES = "densefractal.calibration_images";
  public static final String DATA = "densefractal.calibration_data";

  /** The method used unless asked otherwise; chosen by measured accuracy (docs/RESULTS.md). */
  public static final CalibrationMethod DEFAULT_METHOD = CalibrationMethod.percentile;

  private QuantizedExport() {}

  /**
   * The quantized model of {@code network}.
   *
   * @param threads ONNX Runtime intra-op threads for calibration (0: one per core)
   */
  public static ModelProto of(
      Block network,
      OnnxMetadata metadata,
      boolean dynamicSize,
      CalibrationImages images,
      CalibrationMethod method,
      int threads) {
    // Calibrated at the fixed size the images come in; the same value names exist in the
    // dynamic-size graph, which is then quantized with these ranges.
    ModelProto fixed = QdqTransform.prepare(OnnxExport.of(network, metadata, false));
    Set<String> values = QdqTransform.valuesToCalibrate(fixed);
    Map<String, Range> ranges = Calibrator.ranges(fixed, values, images, method, threads);
    ModelProto graph =
        dynamicSize ? QdqTransform.prepare(OnnxExport.of(network, metadata, true)) : fixed;
    ModelProto quantized = QdqTransform.quantize(graph, ranges::get);
    Map<String, String> props = new LinkedHashMap<>();
    props.put(QUANTIZED, "int8");
    props.put(
        SCHEME,
        "QDQ: per-channel symmetric int8 weights, per-tensor asymmetric uint8 activations,"
            + " int32 biases");
    props.put(METHOD, method.name());
    props.put(IMAGES, Integer.toString(images.count()));
    props.put(DATA, images.description());
    ModelProto.Builder b = quantized.toBuilder();
    props.forEach(
        (k, v) -> b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
    b.setDocString(
        quantized.getDocString()
            + String.format(
                Locale.ROOT,
                " Quantized to int8 (QDQ), activation ranges by %s over %d images of %s.",
                method,
                images.count(),
                images.description()));
    return b.build();
  }

  /**
   * Writes {@link #of} to {@code target} atomically: a calibration or quantization that fails
   * leaves no file behind and an existing file whole.
   */
  public static ModelProto write(
      Block network,
      OnnxMetadata metadata,
      Path target,
      boolean dynamicSize,
      CalibrationImages images,
      CalibrationMethod method,
      int threads) {
    ModelProto model = of(network, metadata, dynamicSize, images, method, threads);
    AtomicFiles.write(target, model::writeTo);
    return model;
  }
}
