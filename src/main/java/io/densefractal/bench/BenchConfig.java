package io.densefractal.bench;

import io.densefractal.models.ConfigException;
import io.densefractal.models.MemoryFormat;
import io.densefractal.recompute.SegmentedNetwork;

/**
 * One benchmark case.
 *
 * @param model zoo name
 * @param mode {@code train} (forward, cross-entropy, backward, SGD update) or {@code infer} (eval
 *     forward)
 * @param batch images per step
 * @param size square input size
 * @param numClasses classifier outputs
 * @param inChannels input image channels
 * @param warmup untimed steps first
 * @param iters timed steps
 * @param memoryEfficient train by recomputation (models that are segmented, e.g. DenseNet)
 * @param tailBudget memory-efficient training: the last segments run with their graph, up to this
 *     multiple of the largest segment input ({@link SegmentedNetwork#DEFAULT_TAIL_BUDGET})
 * @param foldBatchNorm infer with conv + BatchNorm pairs folded (models that support it)
 * @param column run only this column of an anytime network (1-based), or null for all of it
 * @param memoryFormat the activations' layout
 * @param versusStandard memory-efficient training: alternate each step with a standard one in the
 *     same process, so that a shared machine's drifts hit both alike (the ratio is the result)
 */
public record BenchConfig(
    String model,
    String mode,
    int batch,
    int size,
    int numClasses,
    int inChannels,
    int warmup,
    int iters,
    boolean memoryEfficient,
    double tailBudget,
    boolean foldBatchNorm,
    Integer column,
    MemoryFormat memoryFormat,
    boolean versusStandard) {
  public BenchConfig {
    if (!mode.equals("train") && !mode.equals("infer")) {
      throw new ConfigException("--mode must be train or infer, got '" + mode + "'");
    }
    positive("--batch", batch);
    positive("--size", size);
    positive("--iters", iters);
    positive("--in-channels", inChannels);
    positive("--num-classes", numClasses);
    if (warmup < 0) {
      throw new ConfigException("--warmup must be 0 or more, got " + warmup);
    }
    if (foldBatchNorm && !mode.equals("infer")) {
      throw new ConfigException("--fold-bn only applies to --mode infer");
    }
    if (memoryEfficient && memoryFormat == MemoryFormat.CHANNELS_LAST) {
      throw new ConfigException(
          "--memory-efficient trains in NCHW; drop --memory-format CHANNELS_LAST or it");
    }
    if (!(tailBudget >= 0)) {
      throw new ConfigException("--tail-budget must be >= 0, got " + tailBudget);
    }
    if (memoryEfficient && !mode.equals("train")) {
      throw new ConfigException("--memory-efficient only applies to --mode train");
    }
    if (versusStandard && !memoryEfficient) {
      throw new ConfigException("--versus-standard compares --memory-efficient steps; add it");
    }
  }

  private static void positive(String flag, int value) {
    if (value < 1) {
      throw new ConfigException(flag + " must be at least 1, got " + value);
    }
  }
}
