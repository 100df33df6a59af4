package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import io.densefractal.train.GradientSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;

/**
 * Synchronous data-parallel gradients on Spark, one Spark job per step (BigDL's pattern), with the
 * semantics of PyTorch's DistributedDataParallel: each of {@code N} workers computes the gradient of
 * its shard of the global batch with its own replica (BatchNorm on the shard's own statistics), the
 * gradients are averaged, and the one update is applied to the one set of weights, which the driver
 * holds. Running statistics follow worker 0 ({@code broadcast_buffers=True}).
 *
 * <p>Per step: the driver broadcasts its weights and buffers; task {@code i} of an {@code N}-
 * partition RDD (cached, so each rank keeps to the executor that holds its partition, and with it
 * its replica and data) is worker {@code i}; the tasks' gradients come back to the driver
 * ({@code collect}), which averages them into its network's gradients for the trainer's optimizer.
 * Every worker reports a checksum of the weights it computed with; a step computed from anything
 * but the driver's weights is refused, so replicas can never disagree. A lost executor is a task
 * Spark reruns elsewhere: the replica is rebuilt there and computes the same step.
 */
final class SparkGradients implements GradientSource {
  private final JavaSparkContext sc;
  private final Context context;
  private final WorkerSpec spec;
  private final FlatParameters flat;
  private final JavaRDD<Integer> ranks;
  private final StepTimes times;
  private long version;

  SparkGradients(
      JavaSparkContext sc,
      Context context,
      ModelFactory factory,
      int workers,
      int threads,
      WorkerFaults faults,
      StepTimes times) {
    this.sc = sc;
    this.context = context;
    this.times = times;
    this.flat = new FlatParameters(context.block());
    boolean takeTurns =
        context.config().memoryEfficient()
            || RandomForward.draws(
                context.block(),
                context.parameters(),
                context.root(),
                context.data().oneImage(),
                flat);
    this.spec =
        new WorkerSpec(
            UUID.randomUUID().toString(),
            WorkerSpec.toJson(context.config()),
            factory,
            workers,
            threads > 0 ? threads : defaultThreads(sc, workers, takeTurns),
            takeTurns,
            faults);
    if (sc.master().startsWith("local")) {
      ExecutorReplicas.share(spec.runId(), context.data()); // this JVM is the executor
    }
    flat.materializeGradients(context.root());
    List<Integer> list = IntStream.range(0, workers).boxed().toList();
    this.ranks = sc.parallelize(list, workers).persist(StorageLevel.MEMORY_ONLY());
    ranks.count(); // places the partitions: later steps prefer the executors that hold them
  }

  /**
   * Embedded: the master's cores shared among the workers that step side by side, all of them for
   * workers that take turns; a cluster: the cores each task is given.
   */
  static int defaultThreads(JavaSparkContext sc, int workers, boolean takeTurns) {
    if (sc.master().startsWith("local")) {
      int cores = Math.max(1, sc.defaultParallelism());
      return takeTurns ? cores : Math.max(1, cores / Math.min(workers, cores));
    }
    return Math.max(1, sc.getConf().getInt("spark.task.cpus", 1));
  }

  @Override
  public int minimumBatch() {
    return 2 * spec.workers();
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "; data-parallel: %d workers x %d thread(s) on %s%s",
        spec.workers(),
        spec.threads(),
        sc.master(),
        !spec.takeTurns()
            ? ""
            : context.config().memoryEfficient()
                ? " (workers of one JVM take turns: memory-efficient steps)"
                : " (workers of one JVM take turns: the forward draws random numbers)");
  }

  /** The id executors know this run's replicas by. */
  String runId() {
    return spec.runId();
  }

  @Override
  public Pass pass(int epoch, int[] order, int batchSize, long augmentationSeed) {
    if (batchSize < minimumBatch()) {
      throw new DenseFractalException(
          String.format(
              Locale.ROOT,
              "a batch of %d split over %d workers leaves a worker fewer than 2 images (BatchNorm"
                  + " needs 2); use --batch-size %d or more, or fewer --workers",
              batchSize,
              spec.workers(),
              minimumBatch()));
    }
    return new Pass() {
      private int from;

      @Override
      public boolean hasNext() {
        return from < order.length;
      }

      @Override
      public Step next(long stepSeed) {
        int n = Math.min(batchSize, order.length - from);
        int[] batch = Arrays.copyOfRange(order, from, from + n);
        Step s = step(batch, from, augmentationSeed, stepSeed);
        from += n;
        return s;
      }

      @Override
      public void close() {}
    };
  }

  private Step step(int[] batch, int firstPosition, long augmentationSeed, long stepSeed) {
    long t0 = System.nanoTime();
    float[] values = flat.values();
    WeightsPayload payload =
        new WeightsPayload(version, values, FlatParameters.checksum(values));
    Broadcast<WeightsPayload> weights = sc.broadcast(payload);
    long t1 = System.nanoTime();
    List<WorkerResult> results;
    try {
      sc.setJobDescription("data-parallel step " + version);
      results =
          new ArrayList<>(
              ranks
                  .mapPartitions(
                      new WorkerStep(
                          spec, weights, batch, firstPosition, augmentationSeed, stepSeed, version))
                  .collect());
    } finally {
      weights.destroy();
    }
    long t2 = System.nanoTime();
    results.sort(Comparator.comparingInt(WorkerResult::rank));
    if (results.size() != spec.workers()) {
      throw new DenseFractalException(
          "step " + version + ": " + results.size() + " of " + spec.workers() + " workers answered");
    }
    long slowest = 0;
    long computeSum = 0;
    boolean retried = false;
    for (WorkerResult r : results) {
      if (r.weightsChecksum() != payload.checksum()) {
        throw new DenseFractalException(
            String.format(
                Locale.ROOT,
                "step %d: worker %d (executor %s) computed with weights other than the driver's"
                    + " (checksum %08x, expected %08x); the step is refused",
                version,
                r.rank(),
                r.executor(),
                r.weightsChecksum(),
                payload.checksum()));
      }
      times.verified(r.rank(), r.executor());
      slowest = Math.max(slowest, r.computeNanos());
      computeSum += r.computeNanos();
      retried |= r.attempt() > 0;
    }
    if (retried) {
      times.retried();
    }
    version++;
    int count = 0;
    int correct = 0;
    double lossSum = 0;
    for (WorkerResult r : results) {
      count += r.count();
      correct += r.correct();
      lossSum += r.lossSum();
      if (!Double.isFinite(r.lossSum()) || r.gradients() == null) {
        return new Step(
            Float.NaN,
            0,
            batch.length,
            String.format(
                Locale.ROOT,
                " on worker %d of %d (executor %s); every worker stopped",
                r.rank(),
                spec.workers(),
                r.executor()));
      }
    }
    float[] mean = average(results, count);
    flat.setGradients(mean);
    flat.setBuffers(results.get(0).buffers());
    long t3 = System.nanoTime();
    times.add(
        t1 - t0,
        t2 - t1,
        slowest,
        computeSum,
        t3 - t2,
        4L * values.length,
        4L * (mean.length + flat.bufferSize() / spec.workers()));
    return new Step((float) (lossSum / count), correct, count, "");
  }

  /**
   * The gradient of the whole batch's mean loss: DDP's mean of the workers' gradients when the
   * shards are equal, else weighted by shard size (an epoch's last, smaller batch).
   */
  private static float[] average(List<WorkerResult> results, int count) {
    int n = results.get(0).gradients().length;
    float[] sum = new float[n];
    boolean equal = results.stream().allMatch(r -> r.count() == results.get(0).count());
    for (WorkerResult r : results) {
      float[] g = r.gradients();
      float w = equal ? 1f : (float) r.count() / count;
      for (int i = 0; i < n; i++) {
        sum[i] += w * g[i];
      }
    }
    if (equal) {
      float k = results.size();
      for (int i = 0; i < n; i++) {
        sum[i] /= k;
      }
    }
    return sum;
  }

  @Override
  public void close() {
    ranks.unpersist(false);
    if (sc.master().startsWith("local")) {
      ExecutorReplicas.release(spec.runId()); // this JVM was the executor
    }
  }
}
