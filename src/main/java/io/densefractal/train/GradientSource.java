package io.densefractal.train;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Where the gradients of a run's batches come from: this process ({@link LocalGradients}, what
 * {@code train} uses), or data-parallel workers (the Spark module). The {@link Trainer} owns
 * everything else — the one true weights, the optimizer, the schedule, evaluation, checkpoints and
 * logs — so a run looks the same whichever source computed its gradients.
 *
 * <p>After {@link Pass#next}, the network's parameters hold the batch's gradient (the mean over
 * the whole batch's loss) and its BatchNorm running statistics are updated as one training-mode
 * forward updates them; the trainer's {@link Sgd} step then applies the update.
 */
public interface GradientSource extends AutoCloseable {

  /** What a source works on: the run's configuration, data and network. */
  record Context(
      TrainConfig config, RunData data, Block block, ParameterStore parameters, NDManager root) {}

  /** Opens a source for one run. */
  @FunctionalInterface
  interface Factory {
    GradientSource open(Context context);
  }

  /**
   * The result of one batch.
   *
   * @param loss the batch's mean loss; not finite when training diverged (then no gradient)
   * @param correct images whose top-1 prediction was right
   * @param count images in the batch
   * @param where where a non-finite loss appeared (" on worker 1 of 2"), or "" for this process
   */
  record Step(float loss, int correct, int count, String where) {}

  /** One epoch's batches, in order. */
  interface Pass extends AutoCloseable {
    boolean hasNext();

    /**
     * Computes the next batch's loss and gradients.
     *
     * @param stepSeed seeds dropout and drop-path for this step
     */
    Step next(long stepSeed);

    @Override
    void close();
  }

  /**
   * Smallest last batch an epoch keeps: BatchNorm cannot normalise one image, so a source whose
   * workers each take a share of the batch needs two images per worker.
   */
  int minimumBatch();

  /**
   * The batches of one epoch.
   *
   * @param order dataset indices in visiting order (a multiple of the batch size, or its last
   *     batch at least {@link #minimumBatch()} images)
   * @param augmentationSeed seeds the augmentation of sample p by (seed, p), see {@code
   *     BatchLoader.sampleRandom}
   */
  Pass pass(int epoch, int[] order, int batchSize, long augmentationSeed);

  /** Words for the run's header line ("" for this process), e.g. ", 2 workers on local[2]". */
  default String describe() {
    return "";
  }

  @Override
  void close();
}
