package io.densefractal.models;

/**
 * The knobs every zoo model takes on top of its named configuration.
 *
 * @param numClasses classifier outputs (1000 for ImageNet models, 10 for CIFAR ones by default)
 * @param inChannels image channels (3 for RGB, 1 for grey-scale such as Fashion-MNIST)
 */
public record ModelOptions(int numClasses, int inChannels) {
  public ModelOptions {
    if (numClasses < 1) {
      throw new ConfigException("number of classes must be >= 1, got " + numClasses);
    }
    if (inChannels < 1) {
      throw new ConfigException("input channels must be >= 1, got " + inChannels);
    }
  }
}
