package io.densefractal.analysis;

import ai.djl.ndarray.types.Shape;

/**
 * One leaf layer of a model.
 *
 * @param name torch-style path ({@code layer1.0.conv1})
 * @param type layer kind ({@code Conv2d}, {@code BatchNorm}, ...)
 * @param outputShape output shape for the summarised input
 * @param params trainable parameters (BatchNorm running statistics excluded, as torch counts)
 * @param macs multiply-accumulates of convolutions and linear layers for one input image
 * @param savedBytes activation bytes this layer keeps for the backward pass in standard training,
 *     for one image: its input, for convolutions, BatchNorm, linear and pooling layers (ReLU
 *     outputs are the next convolution's input and counted there; concatenations and additions keep
 *     none)
 */
public record LayerSummary(
    String name, String type, Shape outputShape, long params, long macs, long savedBytes) {}
