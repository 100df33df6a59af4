package io.densefractal.spark;

import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ImageClassifier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The classifiers loaded in this JVM, one per {@link JobModel}: the model is loaded once per
 * executor, not per partition or batch, and shared by all the tasks the executor runs at once
 * (classifiers are thread-safe).
 *
 * <p>This is the project's one piece of static mutable state, on purpose: Spark gives a task no
 * object that outlives it inside an executor, so a lazily filled per-JVM cache is the standard way
 * to keep a loaded model between tasks. It is kept to this class; entries live as long as the
 * executor (the JVM's exit releases the native memory).
 */
final class ExecutorModels {
  private static final ConcurrentHashMap<JobModel, ImageClassifier> LOADED =
      new ConcurrentHashMap<>();

  private ExecutorModels() {}

  /**
   * The classifier of {@code model}, loaded on first use. Concurrent first calls wait for one load.
   *
   * @param threadsPerTask intra-op threads each task's forward may use (the cores a task holds;
   *     libtorch has one pool per process, so concurrent tasks share cores, not oversubscribe them)
   */
  static ImageClassifier get(JobModel model, int threadsPerTask) {
    return LOADED.computeIfAbsent(
        model,
        m -> Classifiers.open(m.toModelSource(), m.engineOrDefault(), Math.max(1, threadsPerTask)));
  }
}
