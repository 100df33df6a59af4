package io.densefractal.cli;

import io.densefractal.files.OutputPaths;
import io.densefractal.inference.ModelSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that name a trained model: a run directory, a weights or {@code .onnx} file, or a zoo
 * model with torchvision's weights. Shared by every command that runs one, including the Spark
 * jobs; the dataset that weights without a record of it were trained on is the command's own
 * option, because {@code --data} means the input to some commands. {@link ModelSource} checks that
 * they name exactly one model.
 */
public final class TrainedModelArgs {
  @Option(names = "--run", description = "A run directory from train (its best weights).")
  Path run;

  @Option(
      names = {"-m", "--model"},
      description = "Model name, with --pretrained, or with --weights (unless the file names it).")
  String model;

  @Option(
      names = "--weights",
      description =
          "Weights file (.pth/.safetensors), or an .onnx model (ours or torch.onnx.export's).")
  Path weights;

  @Option(
      names = "--pretrained",
      description = "torchvision's ImageNet weights for --model (downloaded once, hash-checked).")
  boolean pretrained;

  /** The model these options name; {@code dataset} says what weights without a record were for. */
  public ModelSource source(String dataset) {
    return new ModelSource(run, weights, model, pretrained, dataset);
  }

  /** The files the model is read from, so that a command never writes over one of them. */
  public List<Path> inputFiles() {
    List<Path> files = new ArrayList<>();
    if (weights != null) {
      files.add(weights);
    }
    if (run != null) {
      files.addAll(OutputPaths.filesIn(run));
    }
    return files;
  }

  /** Whether any of the options was given (a command may offer another way to name models). */
  public boolean given() {
    return run != null || weights != null || model != null || pretrained;
  }
}
