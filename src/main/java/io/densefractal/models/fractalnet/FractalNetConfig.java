package io.densefractal.models.fractalnet;

import io.densefractal.models.ConfigException;
import java.util.Collections;
import java.util.List;

/**
 * Everything that defines a FractalNet (Larsson, Maire & Shakhnarovich, ICLR 2017): B blocks, each
 * the fractal f_1(z) = conv(z), f_{C+1}(z) = join(f_C(f_C(z)), conv(z)) with join = mean, a 2×2
 * max-pool after each block, global average pooling and a linear classifier.
 *
 * @param columns C: column i (1-based) of a block has 2^(i−1) conv units
 * @param channels output channels of each block (the paper: 64, 128, 256, 512, 512)
 * @param dropRates dropout after the convolution of every conv unit, per block (training only)
 * @param blockInput how a block changes the channel count (see {@link BlockInput})
 * @param poolBeforeLastJoin pool each column, then join (the authors' code) instead of join, then
 *     pool (the paper's figure); same parameters, different function
 * @param identityShortPath the seed's variant f_{C+1}(z) = join(f_C(f_C(z)), z): the short paths
 *     are identities instead of convolutions, which makes the block residual-like (a mean of the
 *     input and a deep path); needs {@link BlockInput#PROJECTED} so that z already has the width
 * @param localDrop local drop-path: probability that a join drops each input (one mask per
 *     mini-batch, at least one input always kept)
 * @param globalFraction share of mini-batches trained by global drop-path: one column, chosen at
 *     random, for the whole network
 * @param perSampleGlobal draw global vs local (and the global column) per sample instead of per
 *     mini-batch (as some re-implementations do; the paper samples per mini-batch)
 * @param numClasses classifier outputs
 * @param inChannels image channels
 */
public record FractalNetConfig(
    int columns,
    List<Integer> channels,
    List<Double> dropRates,
    BlockInput blockInput,
    boolean poolBeforeLastJoin,
    boolean identityShortPath,
    double localDrop,
    double globalFraction,
    boolean perSampleGlobal,
    int numClasses,
    int inChannels) {

  /** Where a block's channel change happens. */
  public enum BlockInput {
    /**
     * A 1×1 conv + BN + ReLU ("doubling") maps the block input to its width, and every 3×3 conv
     * keeps the width: 38.91 M parameters for B=5, C=3, within 1 % of the paper's 38.6 M.
     */
    PROJECTED,
    /**
     * The first 3×3 conv of each column changes the width, as the authors' released generator does:
     * 33.72 M parameters for B=5, C=3.
     */
    DIRECT
  }

  public FractalNetConfig {
    channels = List.copyOf(channels);
    dropRates = List.copyOf(dropRates);
    if (columns < 1) {
      throw new ConfigException("a FractalNet needs at least one column, got " + columns);
    }
    if (columns > 8) {
      throw new ConfigException(
          "columns "
              + columns
              + " would give 2^"
              + (columns - 1)
              + " conv units per block; use <= 8");
    }
    if (channels.isEmpty() || channels.stream().anyMatch(c -> c < 1)) {
      throw new ConfigException("every block needs a positive width, got " + channels);
    }
    if (dropRates.size() != channels.size()) {
      throw new ConfigException(
          "one drop rate per block: "
              + dropRates.size()
              + " rates for "
              + channels.size()
              + " blocks");
    }
    if (dropRates.stream().anyMatch(r -> !(r >= 0 && r < 1))) {
      throw new ConfigException("drop rates must be in [0, 1), got " + dropRates);
    }
    if (identityShortPath && blockInput != BlockInput.PROJECTED) {
      throw new ConfigException(
          "identity short paths need BlockInput.PROJECTED: with DIRECT the block input has the"
              + " previous block's width");
    }
    if (!(localDrop >= 0 && localDrop < 1) || !(globalFraction >= 0 && globalFraction <= 1)) {
      throw new ConfigException(
          "localDrop must be in [0, 1) and globalFraction in [0, 1], got "
              + localDrop
              + " and "
              + globalFraction);
    }
    if (numClasses < 1 || inChannels < 1) {
      throw new ConfigException(
          "numClasses and inChannels must be >= 1, got " + numClasses + " and " + inChannels);
    }
  }

  public int blocks() {
    return channels.size();
  }

  /**
   * Conv units of column {@code column} (0-based, 0 = shallowest) in one block: 2^column, or, with
   * identity short paths, none except in the deepest column.
   */
  public int unitsOf(int column) {
    if (identityShortPath && column < columns - 1) {
      return 0;
    }
    return 1 << column;
  }

  /** The paper's CIFAR network: B = 5, channels 64…512, dropout 0…0.4, 10 classes. */
  public static FractalNetConfig paper(int columns) {
    return builder().columns(columns).build();
  }

  public FractalNetConfig withClasses(int classes, int channelsIn) {
    return toBuilder().numClasses(classes).inChannels(channelsIn).build();
  }

  /** This network without dropout and drop-path (joins always the mean of every column). */
  public FractalNetConfig withoutRegularization() {
    return toBuilder()
        .dropRates(Collections.nCopies(dropRates.size(), 0.0))
        .localDrop(0)
        .globalFraction(0)
        .build();
  }

  /** A builder starting from the paper's CIFAR network with 3 columns. */
  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder()
        .columns(columns)
        .channels(channels)
        .dropRates(dropRates)
        .blockInput(blockInput)
        .poolBeforeLastJoin(poolBeforeLastJoin)
        .identityShortPath(identityShortPath)
        .localDrop(localDrop)
        .globalFraction(globalFraction)
        .perSampleGlobal(perSampleGlobal)
        .numClasses(numClasses)
        .inChannels(inChannels);
  }

  /** Builds a {@link FractalNetConfig}; defaults are the paper's CIFAR network with 3 columns. */
  public static final class Builder {
    private int columns = 3;
    private List<Integer> channels = List.of(64, 128, 256, 512, 512);
    private List<Double> dropRates = List.of(0.0, 0.1, 0.2, 0.3, 0.4);
    private BlockInput blockInput = BlockInput.PROJECTED;
    private boolean poolBeforeLastJoin = true;
    private boolean identityShortPath = false;
    private double localDrop = 0.15;
    private double globalFraction = 0.5;
    private boolean perSampleGlobal = false;
    private int numClasses = 10;
    private int inChannels = 3;

    private Builder() {}

    public Builder columns(int columns) {
      this.columns = columns;
      return this;
    }

    public Builder channels(List<Integer> channels) {
      this.channels = channels;
      return this;
    }

    public Builder dropRates(List<Double> dropRates) {
      this.dropRates = dropRates;
      return this;
    }

    public Builder blockInput(BlockInput blockInput) {
      this.blockInput = blockInput;
      return this;
    }

    public Builder poolBeforeLastJoin(boolean poolBeforeLastJoin) {
      this.poolBeforeLastJoin = poolBeforeLastJoin;
      return this;
    }

    public Builder identityShortPath(boolean identityShortPath) {
      this.identityShortPath = identityShortPath;
      return this;
    }

    public Builder localDrop(double localDrop) {
      this.localDrop = localDrop;
      return this;
    }

    public Builder globalFraction(double globalFraction) {
      this.globalFraction = globalFraction;
      return this;
    }

    public Builder perSampleGlobal(boolean perSampleGlobal) {
      this.perSampleGlobal = perSampleGlobal;
      return this;
    }

    public Builder numClasses(int numClasses) {
      this.numClasses = numClasses;
      return this;
    }

    public Builder inChannels(int inChannels) {
      this.inChannels = inChannels;
      return this;
    }

    public FractalNetConfig build() {
      return new FractalNetConfig(
          columns,
          channels,
          dropRates,
          blockInput,
          poolBeforeLastJoin,
          identityShortPath,
          localDrop,
          globalFraction,
          perSampleGlobal,
          numClasses,
          inChannels);
    }
  }
}
