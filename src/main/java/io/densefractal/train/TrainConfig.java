package io.densefractal.train;

import io.densefractal.models.ConfigException;
import io.densefractal.models.MemoryFormat;

/**
 * What to train on what: everything a run needs to start, and to resume (it is saved in every
 * checkpoint).
 *
 * @param model zoo name
 * @param dataset dataset name or image-folder path (see {@code Datasets.open})
 * @param dataDir where to look for the dataset first, or null
 * @param imageSize input size (0 = the dataset's own)
 * @param limitTrain at most this many training images, a stratified subset (0 = all)
 * @param limitTest at most this many test images, a stratified subset (0 = all)
 * @param validationFraction share of a single image folder held out for testing
 * @param recipe optimiser and schedule
 * @param seed seeds the initial weights, data order, augmentation, dropout and drop-path
 * @param memoryEfficient recompute instead of store (DenseNets): same gradients, less memory
 * @param memoryFormat activation layout; {@link MemoryFormat#CHANNELS_LAST} also trains
 *     channels-last (faster, gradients at libtorch's channels-last BatchNorm precision)
 * @param initialWeights weights to start from (.pth/.safetensors; a new head is allowed), or null
 */
public record TrainConfig(
    String model,
    String dataset,
    String dataDir,
    int imageSize,
    int limitTrain,
    int limitTest,
    double validationFraction,
    Recipe recipe,
    long seed,
    boolean memoryEfficient,
    MemoryFormat memoryFormat,
    String initialWeights) {

  public TrainConfig {
    if (memoryFormat == null) {
      memoryFormat = MemoryFormat.AUTO; // checkpoints written before the field existed
    }
    if (memoryEfficient && memoryFormat == MemoryFormat.CHANNELS_LAST) {
      // Its recomputation is verified bit-exact in NCHW only.
      throw new ConfigException(
          "--memory-efficient trains in NCHW; drop --memory-format CHANNELS_LAST or it");
    }
    if (imageSize < 0 || limitTrain < 0 || limitTest < 0) {
      throw new ConfigException("image size and limits must be >= 0");
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new ConfigException("validation fraction must be in (0, 1), got " + validationFraction);
    }
  }

  public static Builder builder(String model, String dataset, Recipe recipe) {
    return new Builder(model, dataset, recipe);
  }

  public Builder toBuilder() {
    Builder b = new Builder(model, dataset, recipe);
    b.dataDir = dataDir;
    b.imageSize = imageSize;
    b.limitTrain = limitTrain;
    b.limitTest = limitTest;
    b.validationFraction = validationFraction;
    b.seed = seed;
    b.memoryEfficient = memoryEfficient;
    b.memoryFormat = memoryFormat;
    b.initialWeights = initialWeights;
    return b;
  }

  /** Builds a {@link TrainConfig}; unset knobs take the defaults shown. */
  public static final class Builder {
    private final String model;
    private String dataset;
    private Recipe recipe;
    private String dataDir;
    private int imageSize;
    private int limitTrain;
    private int limitTest;
    private double validationFraction = 0.2;
    private long seed;
    private boolean memoryEfficient;
    private MemoryFormat memoryFormat = MemoryFormat.AUTO;
    private String initialWeights;

    private Builder(String model, String dataset, Recipe recipe) {
      this.model = model;
      this.dataset = dataset;
      this.recipe = recipe;
    }

    public Builder recipe(Recipe v) {
      recipe = v;
      return this;
    }

    /** The dataset: a name or an image-folder path (see {@code Datasets.open}). */
    public Builder dataset(String v) {
      dataset = v;
      return this;
    }

    public Builder dataDir(String v) {
      dataDir = v;
      return this;
    }

    public Builder imageSize(int v) {
      imageSize = v;
      return this;
    }

    public Builder limitTrain(int v) {
      limitTrain = v;
      return this;
    }

    public Builder limitTest(int v) {
      limitTest = v;
      return this;
    }

    public Builder validationFraction(double v) {
      validationFraction = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder memoryEfficient(boolean v) {
      memoryEfficient = v;
      return this;
    }

    public Builder memoryFormat(MemoryFormat v) {
      memoryFormat = v;
      return this;
    }

    public Builder initialWeights(String v) {
      initialWeights = v;
      return this;
    }

    public TrainConfig build() {
      return new TrainConfig(
          model,
          dataset,
          dataDir,
          imageSize,
          limitTrain,
          limitTest,
          validationFraction,
          recipe,
          seed,
          memoryEfficient,
          memoryFormat,
          initialWeights);
    }
  }
}
