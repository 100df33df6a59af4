package io.densefractal.spark;

import io.densefractal.inference.Engine;
import io.densefractal.inference.ModelSource;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * The model a job runs, in a form Spark can ship to executors ({@link ModelSource} holds {@link
 * Path}s, which are not serializable). Paths must be readable at the same place on every executor
 * (a shared or copied file system); pretrained weights are fetched into each executor's cache.
 *
 * @param run a run directory, or null
 * @param weights a weights file, or null
 * @param model a zoo model name, or null
 * @param pretrained torchvision's ImageNet weights for {@code model}
 * @param dataset with {@code weights}: the dataset they were trained on, or null
 * @param engine the inference engine's CLI name ({@code libtorch}, {@code onnxruntime}), or null
 *     for the source's default (ONNX Runtime for an {@code .onnx} file, else libtorch)
 */
public record JobModel(
    String run, String weights, String model, boolean pretrained, String dataset, String engine)
    implements Serializable {

  public JobModel {
    // Fails on the driver, with the CLI's message, rather than on every executor. (The fields are
    // not assigned yet in a compact constructor: check the parameters.)
    new ModelSource(
        run == null ? null : Path.of(run),
        weights == null ? null : Path.of(weights),
        model,
        pretrained,
        dataset);
    if (engine != null) {
      Engine.parse(engine);
    }
  }

  public static JobModel of(ModelSource source, Engine engine) {
    return new JobModel(
        source.run() == null ? null : source.run().toAbsolutePath().toString(),
        source.weights() == null ? null : source.weights().toAbsolutePath().toString(),
        source.model(),
        source.pretrained(),
        source.dataset(),
        engine == null ? null : engine.cliName());
  }

  /** The engine asked for, or null for the source's default. */
  public Engine engineOrDefault() {
    return engine == null ? null : Engine.parse(engine);
  }

  public ModelSource toModelSource() {
    return new ModelSource(
        run == null ? null : Path.of(run),
        weights == null ? null : Path.of(weights),
        model,
        pretrained,
        dataset);
  }
}
