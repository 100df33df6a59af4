package io.densefractal.train;

import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training recipe: SGD with momentum, weight decay and a learning-rate schedule. The papers'
 * recipes are {@link #named named}; every knob can be overridden through {@link #toBuilder()}.
 *
 * @param name recipe name ({@code densenet}, {@code fractalnet}, …)
 * @param epochs total epochs
 * @param batchSize images per step
 * @param learningRate initial (peak) learning rate
 * @param momentum SGD momentum (0 = none)
 * @param nesterov Nesterov momentum
 * @param weightDecay L2 penalty added to every gradient, as torch.optim.SGD's weight_decay
 * @param schedule how the rate falls
 * @param milestoneFractions for {@link Schedule#MULTISTEP}: fractions of the epochs at which the
 *     rate is divided by 10 (0.5 and 0.75 = "at 50 % and 75 %")
 * @param stepEvery for {@link Schedule#STEP}: the rate is divided by 10 every this many epochs
 * @param warmupEpochs epochs of linear warm-up from 0 to the initial rate, per step (0 = none)
 * @param labelSmoothing cross-entropy label smoothing ε (0 = none)
 */
public record Recipe(
    String name,
    int epochs,
    int batchSize,
    double learningRate,
    double momentum,
    boolean nesterov,
    double weightDecay,
    Schedule schedule,
    List<Double> milestoneFractions,
    int stepEvery,
    int warmupEpochs,
    double labelSmoothing) {

  /** Learning-rate schedules. */
  public enum Schedule {
    /** ÷10 every {@code stepEvery} epochs. */
    STEP,
    /** ÷10 at each milestone. */
    MULTISTEP,
    /** Cosine annealing to 0 over the run, per step. */
    COSINE;

    static Schedule parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--schedule: unknown schedule '" + s + "' (use step, multistep or cosine)");
      }
    }
  }

  /** The recipe names {@link #named} knows. */
  public static final List<String> NAMES =
      List.of("densenet", "fractalnet", "resnet-cifar", "imagenet");

  public Recipe {
    milestoneFractions = List.copyOf(milestoneFractions);
    if (epochs < 1) {
      throw new ConfigException("--epochs must be >= 1, got " + epochs);
    }
    if (batchSize < 2) {
      throw new ConfigException(
          "--batch-size must be >= 2 (BatchNorm needs 2 images), got " + batchSize);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new ConfigException("--lr must be a positive number, got " + learningRate);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new ConfigException("--momentum must be in [0, 1), got " + momentum);
    }
    if (nesterov && momentum == 0) {
      throw new ConfigException("Nesterov momentum needs a momentum > 0");
    }
    if (!(weightDecay >= 0)) {
      throw new ConfigException("--wd must be >= 0, got " + weightDecay);
    }
    if (schedule == Schedule.STEP && stepEvery < 1) {
      throw new ConfigException("a step schedule needs a step of >= 1 epoch, got " + stepEvery);
    }
    for (double f : milestoneFractions) {
      if (!(f > 0 && f < 1)) {
        throw new ConfigException("milestones are fractions of the run in (0, 1), got " + f);
      }
    }
    if (warmupEpochs < 0 || warmupEpochs >= epochs) {
      throw new ConfigException(
          "--warmup must be between 0 and the number of epochs - 1, got " + warmupEpochs);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new ConfigException("--label-smoothing must be in [0, 1), got " + labelSmoothing);
    }
  }

  /**
   * A paper's recipe by name.
   *
   * <ul>
   *   <li>{@code densenet} (Huang et al. 2017): SGD Nesterov 0.9, batch 64, lr 0.1 ÷10 at 50 % and
   *       75 % of 300 epochs, weight decay 1e-4.
   *   <li>{@code resnet-cifar} (He et al. 2016, CIFAR): momentum 0.9, batch 128, lr 0.1 ÷10 at 50 %
   *       and 75 % of 164 epochs (the 32k/48k-of-64k iterations), weight decay 1e-4.
   *   <li>{@code fractalnet} (Larsson et al. 2017): momentum 0.9, batch 100, lr 0.02 ÷10 each time
   *       the remaining epochs halve (400 epochs: at 200, 300, 350, 375). No source (paper,
   *       authors' code, re-implementations) gives a weight decay; 0 is used, as khanrc's
   *       re-implementation does.
   *   <li>{@code imagenet} (torchvision's reference): momentum 0.9, batch 256, lr 0.1 ÷10 every 30
   *       of 90 epochs, weight decay 1e-4.
   * </ul>
   */
  public static Recipe named(String name) {
    return switch (name) {
      case "densenet" ->
          builder(name, 300, 64, 0.1).nesterov(true).weightDecay(1e-4).multistep(0.5, 0.75).build();
      case "resnet-cifar" ->
          builder(name, 164, 128, 0.1).weightDecay(1e-4).multistep(0.5, 0.75).build();
      case "fractalnet" ->
          builder(name, 400, 100, 0.02).multistep(0.5, 0.75, 0.875, 0.9375).build();
      case "imagenet" ->
          builder(name, 90, 256, 0.1)
              .weightDecay(1e-4)
              .schedule(Schedule.STEP)
              .stepEvery(30)
              .build();
      default ->
          throw new ConfigException(
              "unknown recipe '" + name + "' (choose one of " + String.join(", ", NAMES) + ")");
    };
  }

  /** The FractalNet recipe for {@code epochs} epochs. */
  public static Recipe fractalnet(int epochs) {
    return named("fractalnet").toBuilder().epochs(epochs).build();
  }

  /** {@link #named} of {@link #defaultFor}. */
  public static Recipe defaultRecipe(ModelSpec model) {
    return named(defaultFor(model));
  }

  /** The recipe a model trains with by default: its paper's (ImageNet-sized ResNets: imagenet). */
  public static String defaultFor(ModelSpec model) {
    return switch (model.family()) {
      case "densenet" -> "densenet";
      case "fractalnet" -> "fractalnet";
      default -> model.inputSize() >= 224 ? "imagenet" : "resnet-cifar";
    };
  }

  /**
   * Epochs (0-based) at whose start a {@link Schedule#MULTISTEP} rate is divided by 10 when the
   * rate changes once per epoch: {@link #milestoneSteps milestoneSteps(1)}.
   */
  public List<Integer> milestones() {
    return milestoneSteps(1).stream().map(Math::toIntExact).toList();
  }

  /**
   * Steps (0-based, counted over the whole run) at which a {@link Schedule#MULTISTEP} rate is
   * divided by 10: {@code floor(f × epochs × stepsPerEpoch)} for each fraction, kept strictly
   * increasing and after the first step. Milestones are placed per step, as He et al. give theirs
   * (32k and 48k of 64k iterations), so that a short run also anneals: a 1-epoch run spends its
   * last half at lr/10 and lr/100 instead of ending at the peak rate. When {@code f × epochs} is a
   * whole number (every paper recipe at its own length) the drop falls at the start of that epoch,
   * as a per-epoch schedule's does.
   */
  public List<Long> milestoneSteps(int stepsPerEpoch) {
    long total = (long) epochs * stepsPerEpoch;
    List<Long> at = new ArrayList<>();
    long previous = 0;
    for (double f : milestoneFractions) {
      previous = Math.max(previous + 1, (long) Math.floor(f * total));
      at.add(previous);
    }
    return at;
  }

  /** The learning rate at the start of {@code epoch} (0-based) with one step per epoch. */
  public double learningRate(int epoch) {
    return learningRate(epoch, 0, 1);
  }

  /**
   * The learning rate of step {@code step} (0-based) of epoch {@code epoch} (0-based) with {@code
   * stepsPerEpoch} steps in an epoch.
   */
  public double learningRate(int epoch, int step, int stepsPerEpoch) {
    long globalStep = (long) epoch * stepsPerEpoch + step;
    double progress = (double) globalStep / stepsPerEpoch; // epochs done, fractional
    double lr =
        switch (schedule) {
          case STEP -> learningRate * Math.pow(0.1, epoch / stepEvery);
          case MULTISTEP -> {
            double r = learningRate;
            for (long m : milestoneSteps(stepsPerEpoch)) {
              if (globalStep >= m) {
                r /= 10;
              }
            }
            yield r;
          }
          case COSINE -> learningRate * 0.5 * (1 + Math.cos(Math.PI * progress / epochs));
        };
    if (progress < warmupEpochs) {
      // Linear warm-up per step, reaching the scheduled rate at the end of the warm-up.
      lr *= (globalStep + 1) / (warmupEpochs * (double) stepsPerEpoch);
    }
    return lr;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A recipe called {@code name} with plain SGD defaults for everything else. */
  public static Builder builder(String name, int epochs, int batchSize, double learningRate) {
    return new Builder(
        new Recipe(
            name,
            epochs,
            batchSize,
            learningRate,
            0.9,
            false,
            0,
            Schedule.MULTISTEP,
            List.of(),
            30,
            0,
            0));
  }

  /** Builds a changed copy of a recipe; {@link #build()} validates. */
  public static final class Builder {
    private String name;
    private int epochs;
    private int batchSize;
    private double learningRate;
    private double momentum;
    private boolean nesterov;
    private double weightDecay;
    private Schedule schedule;
    private List<Double> milestoneFractions;
    private int stepEvery;
    private int warmupEpochs;
    private double labelSmoothing;

    private Builder(Recipe r) {
      name = r.name;
      epochs = r.epochs;
      batchSize = r.batchSize;
      learningRate = r.learningRate;
      momentum = r.momentum;
      nesterov = r.nesterov;
      weightDecay = r.weightDecay;
      schedule = r.schedule;
      milestoneFractions = r.milestoneFractions;
      stepEvery = r.stepEvery;
      warmupEpochs = r.warmupEpochs;
      labelSmoothing = r.labelSmoothing;
    }

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    public Builder nesterov(boolean v) {
      nesterov = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder schedule(Schedule v) {
      schedule = v;
      if (v == Schedule.MULTISTEP && milestoneFractions.isEmpty()) {
        milestoneFractions = List.of(0.5, 0.75);
      }
      return this;
    }

    /** {@code step}, {@code multistep} or {@code cosine}. */
    public Builder schedule(String v) {
      return schedule(Schedule.parse(v));
    }

    /** A multi-step schedule dividing the rate by 10 at these fractions of the run. */
    public Builder multistep(double... fractions) {
      schedule = Schedule.MULTISTEP;
      milestoneFractions = java.util.Arrays.stream(fractions).boxed().toList();
      return this;
    }

    public Builder stepEvery(int v) {
      stepEvery = v;
      return this;
    }

    public Builder warmupEpochs(int v) {
      warmupEpochs = v;
      return this;
    }

    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    public Recipe build() {
      return new Recipe(
          name,
          epochs,
          batchSize,
          learningRate,
          momentum,
          nesterov,
          weightDecay,
          schedule,
          milestoneFractions,
          stepEvery,
          warmupEpochs,
          labelSmoothing);
    }
  }
}
