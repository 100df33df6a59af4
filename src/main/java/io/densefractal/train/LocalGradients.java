package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import java.util.function.UnaryOperator;

/** Gradients computed in this process, batches prepared ahead on a background thread. */
final class LocalGradients implements GradientSource {
  private final Context context;

  LocalGradients(Context context) {
    this.context = context;
  }

  @Override
  public int minimumBatch() {
    return 2;
  }

  @Override
  public Pass pass(int epoch, int[] order, int batchSize, long augmentationSeed) {
    RunData data = context.data();
    BatchLoader loader =
        new BatchLoader(data.train(), data.trainTransform(), order, batchSize, augmentationSeed);
    return new Pass() {
      @Override
      public boolean hasNext() {
        return loader.hasNext();
      }

      @Override
      public Step next(long stepSeed) {
        Batch b = loader.next();
        TrainConfig c = context.config();
        try (NDManager scope = context.root().newSubManager()) {
          NDArray x = Batches.images(b, scope);
          NDArray target =
              Batches.targets(
                  b, data.classes().size(), c.recipe().labelSmoothing(), scope);
          UnaryOperator<NDArray> loss = Trainer.crossEntropy(target);
          TrainingStep.Output o =
              TrainingStep.run(
                  context.block(), context.parameters(), x, loss, stepSeed, c.memoryEfficient());
          if (!Float.isFinite(o.loss())) {
            return new Step(o.loss(), 0, b.count(), "");
          }
          return new Step(o.loss(), Batches.correct(o.logits(), b), b.count(), "");
        }
      }

      @Override
      public void close() {
        loader.close();
      }
    };
  }

  @Override
  public void close() {}
}
