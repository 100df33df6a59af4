package io.densefractal.cli;

import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import picocli.CommandLine.Option;

/**
 * The options that change a zoo model's two ends: classifier outputs and input channels. Shared by
 * every command that builds a zoo model, whether its {@code --model} is required or not.
 */
final class ModelShapeArgs {
  @Option(
      names = "--num-classes",
      description = "Classifier outputs (default: the model's, 1000 for ImageNet models).")
  Integer numClasses;

  @Option(
      names = "--in-channels",
      description = "Input image channels (default 3; 1 for grey-scale data).")
  Integer inChannels;

  /** Whether either option was given (commands whose model fixes both refuse them). */
  boolean given() {
    return numClasses != null || inChannels != null;
  }

  /** The model's defaults, overridden by whichever of the two options were given. */
  ModelOptions options(ModelSpec spec) {
    ModelOptions d = spec.defaults();
    return new ModelOptions(
        numClasses == null ? d.numClasses() : numClasses,
        inChannels == null ? d.inChannels() : inChannels);
  }
}
