package io.densefractal.models;

import java.util.Objects;

/**
 * The knobs every zoo model takes on top of its named configuration.
 *
 * @param numClasses classifier outputs (1000 for ImageNet models, 10 for CIFAR ones by default)
 * @param inChannels image channels (3 for RGB, 1 for grey-scale such as Fashion-MNIST)
 * @param memoryFormat the layout of the activations (speed only: results are the same)
 */
public record ModelOptions(int numClasses, int inChannels, MemoryFormat memoryFormat) {
  public ModelOptions {
    if (numClasses < 1) {
      throw new ConfigException("number of classes must be >= 1, got " + numClasses);
    }
    if (inChannels < 1) {
      throw new ConfigException("input channels must be >= 1, got " + inChannels);
    }
    Objects.requireNonNull(memoryFormat, "memoryFormat");
  }

  /** With {@link MemoryFormat#AUTO}. */
  public ModelOptions(int numClasses, int inChannels) {
    this(numClasses, inChannels, MemoryFormat.AUTO);
  }

  public ModelOptions withMemoryFormat(MemoryFormat format) {
    return new ModelOptions(numClasses, inChannels, format);
  }
}
