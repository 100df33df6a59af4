package io.densefractal.cli;

import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import picocli.CommandLine.Option;

/** The options that pick a zoo model: name, classes, input channels. */
final class ModelArgs {
  @Option(
      names = {"-m", "--model"},
      required = true,
      description = "Model name (see `summary --list`), e.g. resnet50.")
  String model;

  @Option(
      names = "--num-classes",
      description = "Classifier outputs (default: the model's, 1000 for ImageNet models).")
  Integer numClasses;

  @Option(
      names = "--in-channels",
      description = "Input image channels (default 3; 1 for grey-scale data).")
  Integer inChannels;

  ModelSpec spec() {
    return ModelZoo.get(model);
  }

  ModelOptions options() {
    return options(spec(), numClasses, inChannels);
  }

  /** The model's defaults, overridden by whichever of the two options were given. */
  static ModelOptions options(ModelSpec spec, Integer numClasses, Integer inChannels) {
    ModelOptions d = spec.defaults();
    return new ModelOptions(
        numClasses == null ? d.numClasses() : numClasses,
        inChannels == null ? d.inChannels() : inChannels);
  }
}
