package io.densefractal.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.util.function.Function;

/**
 * One entry of the model zoo: a name, what it is, its natural input, and how to build it.
 *
 * @param name zoo name, torchvision's where it has the model ({@code resnet50})
 * @param family {@code resnet}, {@code densenet} or {@code fractalnet}
 * @param description one line: the paper's configuration
 * @param inputSize natural square input size (224 for ImageNet models, 32 for CIFAR ones)
 * @param defaults default number of classes and input channels
 * @param factory builds an uninitialised block for the given options
 */
public record ModelSpec(
    String name,
    String family,
    String description,
    int inputSize,
    ModelOptions defaults,
    Function<ModelOptions, Block> factory) {

  /** Builds the model with its default options. */
  public Block create() {
    return factory.apply(defaults);
  }

  public Block create(ModelOptions options) {
    return factory.apply(options);
  }

  /** The input shape of one image, batch size 1, at the natural size. */
  public Shape inputShape(ModelOptions options) {
    return new Shape(1, options.inChannels(), inputSize, inputSize);
  }
}
