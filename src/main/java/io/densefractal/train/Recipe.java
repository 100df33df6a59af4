package io.densefractal.train;

import io.densefractal.models.ConfigException;
import java.util.List;

/**
 * A paper's training recipe: SGD with momentum and a step learning-rate schedule.
 *
 * @param name recipe name ({@code fractalnet}, …)
 * @param epochs total epochs
 * @param batchSize images per step
 * @param learningRate initial learning rate
 * @param momentum SGD momentum
 * @param nesterov Nesterov momentum
 * @param weightDecay L2 penalty
 * @param milestones epochs at which the learning rate is divided by 10, ascending
 */
public record Recipe(
    String name,
    int epochs,
    int batchSize,
    double learningRate,
    double momentum,
    boolean nesterov,
    double weightDecay,
    List<Integer> milestones) {

  public Recipe {
    milestones = List.copyOf(milestones);
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0)) {
      throw new ConfigException("a recipe needs epochs, batch size and learning rate > 0");
    }
  }

  /** The learning rate during {@code epoch} (0-based). */
  public double learningRate(int epoch) {
    double lr = learningRate;
    for (int m : milestones) {
      if (epoch >= m) {
        lr /= 10;
      }
    }
    return lr;
  }

  /**
   * FractalNet (Larsson et al. 2017): SGD, momentum 0.9, batch 100, learning rate 0.02 divided by
   * 10 each time the remaining epochs halve (for 400 epochs: at 200, 300, 350 and 375). No source
   * (paper, authors' code, re-implementations) gives a weight decay; 0 is used, as khanrc's
   * re-implementation does.
   */
  public static Recipe fractalnet(int epochs) {
    return new Recipe(
        "fractalnet",
        epochs,
        100,
        0.02,
        0.9,
        false,
        0,
        List.of(epochs / 2, epochs * 3 / 4, epochs * 7 / 8, epochs * 15 / 16));
  }
}
