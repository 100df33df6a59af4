package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import io.densefractal.data.DataSplits;
import io.densefractal.data.Datasets;
import io.densefractal.data.TransformSpec;
import io.densefractal.engine.Classifiers;
import io.densefractal.files.OutputPaths;
import io.densefractal.inference.ModelSource;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ModelZoo;
import io.densefractal.onnx.OnnxExport;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.quantize.CalibrationImages;
import io.densefractal.quantize.CalibrationMethod;
import io.densefractal.quantize.QuantizedExport;
import io.densefractal.train.TrainedRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code export}: weights to a torch zip .pth or safetensors (for torchvision), or the model with
 * its weights to ONNX (for any runtime). The target's extension decides.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Write a model's weights as .pth/.safetensors, or the model and weights as an ONNX graph.",
      "  export --run runs/r20 --to r20.onnx",
      "  export -m resnet50 --pretrained --to resnet50.onnx",
      "  export -m resnet50 --pretrained --features pooled --to resnet50-embed.onnx",
      "  export --weights runs/fn20/checkpoint-best.safetensors --column 1 --to fn20-col1.onnx",
      "  export --run runs/r20 --to r20-int8.onnx --quantize int8 --calibration-data fashion-mnist",
      "  export -m resnet50 --weights resnet50.safetensors --to resnet50.pth"
    })
final class ExportCommand implements Callable<Integer> {
  /** What {@code --features} names. */
  enum FeatureOutput {
    unpooled,
    pooled
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", description = "A run directory from train (its best weights).")
  Path run;

  @Option(
      names = {"-m", "--model"},
      description =
          "Model name: with --pretrained, or with --weights when the file does not name it.")
  String model;

  @Option(names = "--weights", description = "Weights file (.pth/.safetensors).")
  Path weights;

  @Option(names = "--pretrained", description = "torchvision's ImageNet weights for --model.")
  boolean pretrained;

  @Option(
      names = "--data",
      description =
          "ONNX, with --weights: the dataset the weights were trained on (classes, transforms);"
              + " not needed for weights from train, which record it.")
  String data;

  /** For .pth/.safetensors targets; an ONNX export takes the model's own. */
  @Mixin ModelShapeArgs shape;

  @Option(names = "--column", description = "ONNX: only column i of a FractalNet (1 = shallowest).")
  Integer column;

  @Option(
      names = "--features",
      arity = "0..1",
      fallbackValue = "unpooled",
      description =
          "ONNX: the network without its classifier: unpooled (default; the last feature map,"
              + " include_top=False) or pooled (the embedding).")
  FeatureOutput features;

  @Option(
      names = "--image-size",
      description = "ONNX: the input size recorded in the file (default: the weights' own).")
  Integer imageSize;

  @Option(
      names = "--dynamic-size",
      description =
          "ONNX: dynamic input height/width (default: fixed at the input size, which ONNX Runtime"
              + " runs in less memory).")
  boolean dynamicSize;

  @Option(
      names = "--quantize",
      description =
          "ONNX: int8 = static post-training quantization (QDQ graph: per-channel int8 weights,"
              + " uint8 activations calibrated on --calibration-data), run by ONNX Runtime's int8"
              + " kernels.")
  Quantization quantize;

  @Option(
      names = "--calibration-data",
      paramLabel = "DATA",
      description =
          "With --quantize: the dataset (name or image folder) whose training split calibrates"
              + " the activation ranges; its channels must be the model's.")
  String calibrationData;

  @Option(
      names = "--calibration-images",
      paramLabel = "N",
      description =
          "With --quantize: how many training images calibrate (default: ${DEFAULT-VALUE}).")
  int calibrationImages = 512;

  @Option(
      names = "--calibration-method",
      description =
          "With --quantize: minmax or percentile (99.99th; the default, chosen by measured"
              + " accuracy).")
  CalibrationMethod calibrationMethod = QuantizedExport.DEFAULT_METHOD;

  /** What {@code --quantize} names. */
  enum Quantization {
    int8
  }

  @Option(names = "--to", required = true, description = "Target: .onnx, .pth or .safetensors.")
  Path to;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (to.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return exportOnnx(out);
    }
    for (String onnxOnly : List.of("--quantize", "--calibration-data", "--calibration-images",
        "--calibration-method", "--run", "--pretrained", "--column", "--features", "--data",
        "--image-size", "--dynamic-size")) {
      if (spec.commandLine().getParseResult().hasMatchedOption(onnxOnly)) {
        throw usage(onnxOnly + " is for ONNX export; give --to FILE.onnx");
      }
    }
    if (weights == null) {
      throw usage("give --weights FILE to convert to " + to.getFileName());
    }
    refuseInput(weights);
    ModelArgs args = new ModelArgs();
    args.model = model == null ? WeightConversion.modelNamedBy(weights) : model;
    args.shape = shape;
    return WeightConversion.run(out, args, weights, to);
  }

  private int exportOnnx(PrintWriter out) {
    if (shape.given()) {
      throw usage("--num-classes/--in-channels are for .pth/.safetensors; ONNX takes the model's");
    }
    if (imageSize != null && imageSize < 1) {
      throw usage("--image-size must be at least 1, got " + imageSize);
    }
    if (column != null && column < 1) {
      throw usage("--column must be at least 1 (1 = shallowest), got " + column);
    }
    if (quantize == null) {
      for (String calibration :
          List.of("--calibration-data", "--calibration-images", "--calibration-method")) {
        if (spec.commandLine().getParseResult().hasMatchedOption(calibration)) {
          throw usage(calibration + " is for --quantize int8");
        }
      }
    } else {
      if (calibrationData == null) {
        throw usage(
            "--quantize int8 needs --calibration-data DATA: a dataset (name or image folder) whose"
                + " training images set the activation ranges");
      }
      if (calibrationImages < 1) {
        throw usage("--calibration-images must be at least 1, got " + calibrationImages);
      }
    }
    if (model != null) {
      ModelZoo.get(model); // an unknown name fails here, with the closest names
    }
    ModelSource source;
    try {
      source = new ModelSource(run, weights, model, pretrained, data);
    } catch (DenseFractalException e) {
      throw usage(e.getMessage());
    }
    if (weights != null) {
      refuseInput(weights);
    }
    if (run != null) {
      for (Path p : runFiles(run)) {
        refuseInput(p);
      }
    }
    try (TrainedRun trained = Classifiers.openRun(source)) {
      String name = trained.spec().name();
      if (column != null) {
        if (!(trained.block() instanceof AnytimeNetwork net)) {
          throw usage(name + " has no columns (FractalNet models have); drop --column");
        }
        if (column > net.columns()) {
          throw usage(
              String.format(
                  Locale.ROOT,
                  "--column must be in 1..%d for %s (1 = shallowest), got %d",
                  net.columns(),
                  name,
                  column));
        }
      }
      OnnxMetadata.Output output =
          features == null
              ? OnnxMetadata.Output.LOGITS
              : features == FeatureOutput.pooled
                  ? OnnxMetadata.Output.EMBEDDING
                  : OnnxMetadata.Output.FEATURES;
      TransformSpec transforms =
          imageSize == null ? trained.transforms() : trained.transforms().withSize(imageSize);
      OnnxMetadata metadata =
          new OnnxMetadata(
              name,
              output,
              column == null ? 0 : column,
              trained.classes(),
              trained.config().dataset(),
              transforms);
      var written =
          quantize == null
              ? OnnxExport.write(trained.block(), metadata, to, dynamicSize)
              : QuantizedExport.write(
                  trained.block(),
                  metadata,
                  to,
                  dynamicSize,
                  calibration(transforms),
                  calibrationMethod,
                  0);
      out.printf(
          Locale.ROOT,
          "%s%s: %s%s (%s) written to %s (%,d bytes, opset %d)%n",
          name,
          column == null ? "" : " column " + column,
          output.tensorName() + (output == OnnxMetadata.Output.LOGITS ? " + embedding" : ""),
          quantize == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  ", int8 calibrated by %s on %d images of %s",
                  calibrationMethod,
                  calibrationImages,
                  calibrationData),
          source.describe(),
          to,
          written.getSerializedSize(),
          OnnxExport.OPSET);
    }
    return 0;
  }

  /**
   * The calibration images: the training split of {@code --calibration-data} through the model's
   * evaluation transform. Its channels must be the model's (a grey dataset would otherwise be
   * copied into three channels, or a colour one averaged, without a word).
   */
  private CalibrationImages calibration(TransformSpec model) {
    DataSplits data;
    try {
      data = Datasets.open(calibrationData, null, 0.2, 0, model.size());
    } catch (UsageException e) {
      throw usage(e.getMessage());
    }
    int channels = data.transforms().channels();
    if (channels != model.channels()) {
      throw usage(
          String.format(
              Locale.ROOT,
              "--calibration-data %s has %d-channel images but the model takes %d-channel"
                  + " input; calibrate on data like the model's own",
              calibrationData,
              channels,
              model.channels()));
    }
    int per = model.channels() * model.size() * model.size();
    int batch = Math.max(1, Math.min(32, (1 << 19) / per));
    try {
      return new CalibrationImages(
          data.train(),
          model.eval(),
          calibrationImages,
          batch,
          data.name() + " training split");
    } catch (UsageException e) {
      throw usage(e.getMessage());
    }
  }

  /** Refuses a target that is one of the inputs: a failed write must never destroy it. */
  private void refuseInput(Path input) {
    OutputPaths.check(java.util.Map.of("--to", to), java.util.List.of(input));
  }


  private static List<Path> runFiles(Path dir) {
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(dir)) {
      try (var stream = Files.list(dir)) {
        stream.forEach(files::add);
      } catch (IOException e) {
        throw new DenseFractalException("cannot list " + dir + ": " + e, e);
      }
    }
    return files;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
