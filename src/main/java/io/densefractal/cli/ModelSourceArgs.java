package io.densefractal.cli;

import io.densefractal.inference.ModelSource;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The model options of {@code predict}, {@code embed} and {@code serve}: a trained model, and
 * {@code --data} for the dataset its weights were trained on (an option of its own because the
 * Spark job's {@code --data} names its input).
 */
final class ModelSourceArgs {
  @Mixin TrainedModelArgs model;

  @Option(
      names = "--data",
      description =
          "With --weights: the dataset the weights were trained on (classes, transforms);"
              + " not needed for weights from train, which record it.")
  String data;

  ModelSource source() {
    return model.source(data);
  }

  /** The files the model is read from, so that a command never writes over one of them. */
  List<Path> inputFiles() {
    return model.inputFiles();
  }

  /** Whether any of the options was given (a command may offer another way to name models). */
  boolean given() {
    return model.given() || data != null;
  }
}
