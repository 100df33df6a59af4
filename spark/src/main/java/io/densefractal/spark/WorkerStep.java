package io.densefractal.spark;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.densefractal.data.Batch;
import io.densefractal.data.BatchLoader;
import io.densefractal.train.Batches;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.Trainer;
import io.densefractal.train.TrainingStep;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.UnaryOperator;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * One worker's part of one step, run as the Spark task of partition {@code rank}: its replica takes
 * the broadcast weights, computes the loss and gradients of its shard of the global batch (a
 * training-mode forward: BatchNorm normalises with the shard's own statistics) and returns them.
 *
 * <p>The shard is the rank-th of {@code workers} near-equal slices of the batch, assembled from the
 * executor's copy of the data with the same per-sample augmentation as single-process training.
 */
final class WorkerStep implements FlatMapFunction<Iterator<Integer>, WorkerResult> {
  private final WorkerSpec spec;
  private final Broadcast<WeightsPayload> weights;
  private final int[] batch;
  private final int firstPosition;
  private final long augmentationSeed;
  private final long stepSeed;
  private final long globalStep;

  /**
   * @param batch the global batch's dataset indices
   * @param firstPosition position of the batch's first sample in its epoch's order
   */
  WorkerStep(
      WorkerSpec spec,
      Broadcast<WeightsPayload> weights,
      int[] batch,
      int firstPosition,
      long augmentationSeed,
      long stepSeed,
      long globalStep) {
    this.spec = spec;
    this.weights = weights;
    this.batch = batch;
    this.firstPosition = firstPosition;
    this.augmentationSeed = augmentationSeed;
    this.stepSeed = stepSeed;
    this.globalStep = globalStep;
  }

  /** The first index (inclusive) of worker {@code rank}'s shard of {@code n} samples. */
  static int shardStart(int n, int workers, int rank) {
    return (int) ((long) n * rank / workers);
  }

  @Override
  public Iterator<WorkerResult> call(Iterator<Integer> ranks) {
    int rank = TaskContext.getPartitionId();
    // Workers sharing a JVM (embedded local[N]) step side by side, each on its task's thread with
    // its own replica, unless their draws from the one generator would interleave.
    boolean turn = spec.takeTurns();
    if (turn) {
      ExecutorReplicas.TURNS.lock();
    }
    long t0 = System.nanoTime(); // the worker's own work, not the wait for its turn
    try {
      Replica replica = ExecutorReplicas.get(spec, rank);
      WorkerResult result = step(replica, rank, t0);
      if (result.gradients() == null) {
        ExecutorReplicas.evict(spec, rank); // its gradients hold what cannot be zeroed in place
      }
      return List.of(result).iterator();
    } catch (RuntimeException | Error e) {
      ExecutorReplicas.evict(spec, rank);
      throw e;
    } finally {
      if (turn) {
        ExecutorReplicas.TURNS.unlock();
      }
    }
  }

  private WorkerResult step(Replica replica, int rank, long t0) {
    long checksum = replica.load(weights.value());
    int from = shardStart(batch.length, spec.workers(), rank);
    int to = shardStart(batch.length, spec.workers(), rank + 1);
    Batch b =
        BatchLoader.assemble(
            replica.data.train(),
            replica.data.trainTransform(),
            Arrays.copyOfRange(batch, from, to),
            firstPosition + from,
            augmentationSeed);
    TrainConfig c = replica.config;
    JniUtils.setNumThreads(spec.threads());
    // Each worker draws its own dropout and drop-path masks, as each DDP process does.
    long seed = rank == 0 ? stepSeed : stepSeed ^ (0x9E3779B97F4A7C15L * rank);
    try (NDManager scope = replica.manager.newSubManager()) {
      NDArray x = Batches.images(b, scope);
      if (spec.faults().nanAt(rank, globalStep)) {
        x = x.mul(Float.NaN);
      }
      NDArray target =
          Batches.targets(b, replica.data.classes().size(), c.recipe().labelSmoothing(), scope);
      UnaryOperator<NDArray> loss = Trainer.crossEntropy(target);
      TrainingStep.Output o =
          TrainingStep.run(replica.block, replica.parameters, x, loss, seed, c.memoryEfficient());
      float[] gradients = null;
      int correct = 0;
      double lossSum = (double) o.loss() * b.count();
      if (Float.isFinite(o.loss())) {
        gradients = replica.flat.gradients();
        if (finite(gradients)) {
          replica.flat.zeroGradients();
          correct = Batches.correct(o.logits(), b);
        } else {
          gradients = null;
          lossSum = Double.NaN; // diverged all the same
        }
      }
      return new WorkerResult(
          rank,
          b.count(),
          lossSum,
          correct,
          gradients,
          rank == 0 ? replica.flat.bufferValues() : null,
          checksum,
          SparkEnv.get() == null ? "?" : SparkEnv.get().executorId(),
          System.nanoTime() - t0,
          TaskContext.get() == null ? 0 : TaskContext.get().attemptNumber());
    }
  }

  private static boolean finite(float[] values) {
    for (float v : values) {
      if (!Float.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
