package io.densefractal.cli;

import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that pick a zoo model: name, classes, input channels. */
final class ModelArgs {
  @Option(
      names = {"-m", "--model"},
      required = true,
      description = "Model name (see `summary --list`), e.g. resnet50.")
  String model;

  @Mixin ModelShapeArgs shape = new ModelShapeArgs();

  ModelSpec spec() {
    return ModelZoo.get(model);
  }

  ModelOptions options() {
    return shape.options(spec());
  }
}
