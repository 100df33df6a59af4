package io.densefractal.cli;

import io.densefractal.files.OutputPaths;
import io.densefractal.inference.ModelSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The options that say where a trained model comes from, shared by the inference commands: a run
 * directory, a weights or {@code .onnx} file, or a zoo model with torchvision's weights. {@link
 * ModelSource} checks that they name exactly one model.
 */
final class ModelSourceArgs {
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

  @Option(
      names = "--data",
      description =
          "With --weights: the dataset the weights were trained on (classes, transforms);"
              + " not needed for weights from train, which record it.")
  String data;

  ModelSource source() {
    return new ModelSource(run, weights, model, pretrained, data);
  }

  /** The files the model is read from, so that a command never writes over one of them. */
  List<Path> inputFiles() {
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
  boolean given() {
    return run != null || weights != null || model != null || pretrained || data != null;
  }
}
