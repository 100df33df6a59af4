package io.densefractal.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.UniformInitializer;
import ai.djl.training.initializer.XavierInitializer;

/**
 * The leaf layers every family uses, built with PyTorch's defaults so that a freshly initialised
 * model is distributed like torchvision's (init matters for training from scratch, not for parity).
 */
public final class Layers {
  /** torch's BatchNorm epsilon. */
  public static final float BATCH_NORM_EPSILON = 1e-5f;

  /**
   * DJL's BatchNorm momentum: running = momentum × running + (1 − momentum) × batch, i.e. torch's
   * default momentum 0.1.
   */
  public static final float BATCH_NORM_MOMENTUM = 0.9f;

  private Layers() {}

  /**
   * A 2-D convolution without bias, initialised with kaiming-normal (fan_out, ReLU gain), as
   * torchvision's ResNet and DenseNet do: std = sqrt(2 / (outChannels · k · k)).
   */
  public static Conv2d conv(int outChannels, int kernel, int stride, int padding, int groups) {
    Conv2d conv =
        Conv2d.builder()
            .setFilters(outChannels)
            .setKernelShape(new Shape(kernel, kernel))
            .optStride(new Shape(stride, stride))
            .optPadding(new Shape(padding, padding))
            .optGroups(groups)
            .optBias(false)
            .build();
    conv.setInitializer(
        new XavierInitializer(
            XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.OUT, 2),
        Parameter.Type.WEIGHT);
    return conv;
  }

  /**
   * Switches a convolution to kaiming-normal with fan_in (torch's {@code kaiming_normal_} default,
   * used by torchvision's DenseNet): std = sqrt(2 / (inChannels / groups · k · k)).
   */
  public static Conv2d fanIn(Conv2d conv) {
    conv.setInitializer(
        new XavierInitializer(
            XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2),
        Parameter.Type.WEIGHT);
    return conv;
  }

  /** BatchNorm over channels with PyTorch's epsilon 1e-5 and momentum 0.1 (DJL spells it 0.9). */
  public static BatchNorm batchNorm() {
    return BatchNorm.builder()
        .optAxis(1)
        .optEpsilon(BATCH_NORM_EPSILON)
        .optMomentum(BATCH_NORM_MOMENTUM)
        .build();
  }

  /**
   * A fully connected layer initialised like {@code torch.nn.Linear}: weight and bias uniform in
   * ±1/sqrt(inFeatures).
   */
  public static Linear linear(int inFeatures, int outFeatures) {
    Linear fc = Linear.builder().setUnits(outFeatures).optBias(true).build();
    fc.setInitializer(new UniformInitializer((float) (1.0 / Math.sqrt(inFeatures))), p -> true);
    return fc;
  }
}
