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
    return new FractalNetConfig(
        columns,
        List.of(64, 128, 256, 512, 512),
        List.of(0.0, 0.1, 0.2, 0.3, 0.4),
        BlockInput.PROJECTED,
        true,
        false,
        0.15,
        0.5,
        false,
        10,
        3);
  }

  public FractalNetConfig withClasses(int classes, int channelsIn) {
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
        classes,
        channelsIn);
  }

  /** This network without dropout and drop-path (joins always the mean of every column). */
  public FractalNetConfig withoutRegularization() {
    return new FractalNetConfig(
        columns,
        channels,
        Collections.nCopies(dropRates.size(), 0.0),
        blockInput,
        poolBeforeLastJoin,
        identityShortPath,
        0,
        0,
        perSampleGlobal,
        numClasses,
        inChannels);
  }
}
