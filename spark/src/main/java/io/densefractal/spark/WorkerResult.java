package io.densefractal.spark;

import java.io.Serializable;

/**
 * What one worker returns from one step.
 *
 * @param rank the worker (partition index)
 * @param count images in its shard
 * @param lossSum its loss times {@code count} (NaN or infinite when it diverged)
 * @param correct images of its shard predicted right
 * @param gradients the mean-loss gradient of its shard, flat over the trainable parameters; null
 *     when the loss was not finite
 * @param buffers worker 0 only: its BatchNorm running statistics after the forward, else null
 * @param weightsChecksum checksum of the weights and buffers the replica computed with
 * @param executor the executor that ran it
 * @param computeNanos time of loading the weights, preparing the shard and forward/backward
 * @param attempt the task's attempt (0 unless Spark reran it)
 */
record WorkerResult(
    int rank,
    int count,
    double lossSum,
    int correct,
    float[] gradients,
    float[] buffers,
    long weightsChecksum,
    String executor,
    long computeNanos,
    int attempt)
    implements Serializable {}
