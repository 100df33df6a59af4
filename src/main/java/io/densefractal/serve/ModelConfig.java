package io.densefractal.serve;

import io.densefractal.UsageException;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ModelSource;

/**
 * One served model: where it comes from, the name it answers to, and its batching queue.
 *
 * @param name the name in URLs ({@code /predictions/{name}}); null for the model's own name
 * @param source its model and weights
 * @param maxBatch most images one forward runs (1 turns batching off)
 * @param maxDelayMs how long the first image of a batch waits for others
 * @param queue most images waiting; more are answered 503 with Retry-After
 * @param engine the engine, or null for the source's default (ONNX Runtime for .onnx files)
 * @param threads intra-op threads, 0 for the engine's default
 */
public record ModelConfig(
    String name,
    ModelSource source,
    int maxBatch,
    int maxDelayMs,
    int queue,
    Engine engine,
    int threads) {

  /** On the source's default engine and threads. */
  public ModelConfig(String name, ModelSource source, int maxBatch, int maxDelayMs, int queue) {
    this(name, source, maxBatch, maxDelayMs, queue, null, 0);
  }

  public ModelConfig {
    if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw new UsageException(
          "--name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
    }
    if (maxBatch < 1 || maxBatch > 1024) {
      throw new UsageException("--max-batch must be 1-1024, got " + maxBatch);
    }
    if (maxDelayMs < 0 || maxDelayMs > 10_000) {
      throw new UsageException("--max-delay-ms must be 0-10000, got " + maxDelayMs);
    }
    if (queue < maxBatch || queue > 1_000_000) {
      throw new UsageException(
          "--queue must hold at least --max-batch (" + maxBatch + ") and at most 1000000, got "
              + queue);
    }
    if (threads < 0 || threads > 256) {
      throw new UsageException("--threads must be 0-256, got " + threads);
    }
  }
}
