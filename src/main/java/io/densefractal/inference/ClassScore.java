package io.densefractal.inference;

/**
 * One class of a prediction.
 *
 * @param index the class's logit index
 * @param name the class's name
 * @param probability its softmax probability
 */
public record ClassScore(int index, String name, float probability) {}
