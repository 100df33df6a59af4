/**
 * Spark jobs over the densefractal library: batch prediction and embeddings over image folders and
 * Parquet ({@link io.densefractal.spark.SparkPredictJob}), and synchronous data-parallel training
 * ({@link io.densefractal.spark.SparkTrainJob}).
 *
 * <p>Training follows PyTorch's DistributedDataParallel: every global batch is split among N
 * workers (Spark tasks, one per partition of a cached N-partition RDD, so each keeps to its
 * executor), each computes its shard's gradient with its own replica (BatchNorm on the shard's own
 * statistics), the gradients are averaged, and one update is applied; running statistics follow
 * worker 0. Communication is one Spark job per step (BigDL's pattern): the driver, which holds the
 * only copy of the weights, momentum buffers and step counter and runs {@code train}'s own optimizer
 * and schedule, broadcasts weights and buffers; the workers' gradients come back by {@code
 * collect}. That is 2 × model bytes per worker per step through the driver, against a ring
 * all-reduce's 2(N−1)/N × with no hub: chosen because at the sizes measured here the cost is
 * scheduling, not bytes, and because replicas that take the driver's weights every step, checked
 * by checksum, cannot disagree — a lost executor is only a task to rerun (docs/BENCHMARKS.md has the
 * measurements and the scaling model). Workers sharing a JVM (embedded {@code local[N]}) step side
 * by side, each with its share of the cores, unless the forward draws random numbers (one
 * generator per process): then they take turns.
 */
package io.densefractal.spark;
