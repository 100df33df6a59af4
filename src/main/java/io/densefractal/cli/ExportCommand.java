package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import io.densefractal.data.TransformSpec;
import io.densefractal.engine.Classifiers;
import io.densefractal.files.OutputPaths;
import io.densefractal.inference.ModelSource;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ModelZoo;
import io.densefractal.onnx.OnnxExport;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.train.TrainedRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

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

  @Option(
      names = "--num-classes",
      description = ".pth/.safetensors: classifier outputs (default: the model's).")
  Integer numClasses;

  @Option(
      names = "--in-channels",
      description = ".pth/.safetensors: input channels (default 3).")
  Integer inChannels;

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

  @Option(names = "--to", required = true, description = "Target: .onnx, .pth or .safetensors.")
  Path to;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (to.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
      return exportOnnx(out);
    }
    for (String onnxOnly : List.of("--run", "--pretrained", "--column", "--features", "--data",
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
    args.numClasses = numClasses;
    args.inChannels = inChannels;
    return WeightConversion.run(out, args, weights, to);
  }

  private int exportOnnx(PrintWriter out) {
    if (numClasses != null || inChannels != null) {
      throw usage("--num-classes/--in-channels are for .pth/.safetensors; ONNX takes the model's");
    }
    if (imageSize != null && imageSize < 1) {
      throw usage("--image-size must be at least 1, got " + imageSize);
    }
    if (column != null && column < 1) {
      throw usage("--column must be at least 1 (1 = shallowest), got " + column);
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
      var written = OnnxExport.write(trained.block(), metadata, to, dynamicSize);
      out.printf(
          Locale.ROOT,
          "%s%s: %s (%s) written to %s (%,d bytes, opset %d)%n",
          name,
          column == null ? "" : " column " + column,
          output.tensorName() + (output == OnnxMetadata.Output.LOGITS ? " + embedding" : ""),
          source.describe(),
          to,
          written.getSerializedSize(),
          OnnxExport.OPSET);
    }
    return 0;
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
