package io.densefractal.analysis;

import ai.djl.engine.EngineException;
import io.densefractal.UsageException;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Refuses, before anything is allocated, a request whose estimated memory exceeds what this
 * machine can give: weights, the activation model of {@link ModelSummary} and the input, for a
 * summary, an inference or a training step. With jemalloc the allocator never says no and the
 * kernel kills the process instead, so this is the only place a too-large request can be refused
 * with a message.
 *
 * <p>The estimate comes from one summary at the model's own size (or the requested one, if smaller)
 * and the model's own class and channel counts (or the requested ones, if smaller), scaled: the
 * activations grow with the input's area, the first convolution with the input channels, the
 * classifier with the classes. It is meant to catch orders of magnitude, not the last megabyte.
 */
public final class MemoryGuard {
  /** What is asked of the model. */
  public enum Work {
    /** Shapes only: the largest layer's output is materialised once for shape inference. */
    SUMMARY,
    /** Eval-mode forward of a batch. */
    INFER,
    /** Forward, backward and an SGD update of a batch. */
    TRAIN,
    /** A training step by recomputation (memory-efficient DenseNet). */
    TRAIN_MEMORY_EFFICIENT
  }

  private MemoryGuard() {}

  /**
   * The estimate for {@code work} on {@code batch} square images of {@code size}.
   *
   * @throws UsageException if {@code size} is too small for the model (a layer's output would be
   *     empty)
   */
  public static MemoryEstimate estimate(
      ModelSpec spec, ModelOptions options, int size, long batch, Work work) {
    if (size < 1) {
      throw new UsageException("--size must be at least 1, got " + size);
    }
    ModelOptions d = spec.defaults();
    int baseSize = Math.min(size, spec.inputSize());
    int baseClasses = Math.min(options.numClasses(), d.numClasses());
    int baseChannels = Math.min(options.inChannels(), d.inChannels());
    ModelSummary base;
    try {
      base = ModelSummary.of(spec, new ModelOptions(baseClasses, baseChannels), baseSize);
    } catch (EngineException e) {
      if (String.valueOf(e.getMessage()).contains("Output size is too small")) {
        throw new UsageException(
            String.format(
                Locale.ROOT,
                "an input of %dx%d is too small for %s (a feature map would shrink below 1x1);"
                    + " give a larger size (the model's own is %d)",
                size,
                size,
                spec.name(),
                spec.inputSize()));
      }
      throw e;
    }
    for (LayerSummary l : base.layers()) {
      for (long dim : l.outputShape().getShape()) {
        if (dim < 1) {
          throw new UsageException(
              String.format(
                  Locale.ROOT,
                  "an input of %dx%d is too small for %s: layer %s would output %s; give a larger"
                      + " size (the model's own is %d)",
                  size,
                  size,
                  spec.name(),
                  l.name(),
                  l.outputShape(),
                  spec.inputSize()));
        }
      }
    }
    double area = (double) size / baseSize * size / baseSize;
    List<LayerSummary> layers = base.layers();
    double perChannel = 0;
    double perClass = 0;
    double largestOutput = 0;
    for (LayerSummary l : layers) {
      largestOutput = Math.max(largestOutput, (double) l.outputShape().size() * Float.BYTES);
    }
    for (LayerSummary l : layers) {
      if (l.type().startsWith("Conv")) {
        perChannel = (double) l.params() / baseChannels;
        break;
      }
    }
    for (int i = layers.size() - 1; i >= 0; i--) {
      if (layers.get(i).type().equals("Linear")) {
        perClass = (double) layers.get(i).params() / baseClasses;
        break;
      }
    }
    double params =
        base.params()
            + perChannel * (options.inChannels() - baseChannels)
            + perClass * (options.numClasses() - baseClasses);
    double weights = (params + base.buffers()) * Float.BYTES;
    double input = (double) options.inChannels() * size * size * Float.BYTES;
    double largest = largestOutput * area;
    double perImage =
        switch (work) {
          case SUMMARY, INFER -> input + 3 * largest;
          case TRAIN -> input + base.activationBytes() * area + 2 * largest;
          case TRAIN_MEMORY_EFFICIENT ->
              input + Math.max(base.memoryEfficientBytes(), 0) * area + 3 * largest;
        };
    double images = work == Work.SUMMARY ? 1 : batch;
    // Training keeps weights, gradients and momentum buffers.
    double weightCopies = work == Work.SUMMARY || work == Work.INFER ? 1 : 3;
    return new MemoryEstimate(weights * weightCopies, perImage * images, input * images);
  }

  /**
   * Refuses {@code estimate} when it exceeds {@link #available()}.
   *
   * @param what the request in the user's words, e.g. {@code "--batch 64 of resnet50 at 224x224"}
   * @throws UsageException naming the request, the estimate and the limit
   */
  public static void check(MemoryEstimate estimate, String what) {
    long limit = available();
    if (estimate.total() > limit) {
      throw new UsageException(
          String.format(
              Locale.ROOT,
              "%s needs about %s of memory (weights %s, activations %s), more than the %s this"
                  + " machine has; use a smaller batch, size, channel or class count",
              what,
              human(estimate.total()),
              human(estimate.weights()),
              human(estimate.activations()),
              human(limit)));
    }
  }

  /** {@link #estimate} then {@link #check}. */
  public static MemoryEstimate require(
      ModelSpec spec, ModelOptions options, int size, long batch, Work work, String what) {
    MemoryEstimate e = estimate(spec, options, size, batch, work);
    check(e, what);
    return e;
  }

  /**
   * The memory this process can have: the machine's physical memory, or its control group's limit
   * if lower. Free memory is not used: it changes with the neighbours, and a refusal must not.
   */
  public static long available() {
    long total = meminfo("MemTotal:");
    long cgroup = cgroupLimit();
    long limit = Math.min(total, cgroup);
    return limit == Long.MAX_VALUE ? Runtime.getRuntime().maxMemory() * 4 : limit;
  }

  private static long meminfo(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith(key)) {
          String[] parts = line.substring(key.length()).trim().split("\\s+");
          return Long.parseLong(parts[0]) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no limit from here.
    }
    return Long.MAX_VALUE;
  }

  private static long cgroupLimit() {
    for (String file :
        List.of("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")) {
      try {
        String v = Files.readString(Path.of(file)).strip();
        if (!v.equals("max")) {
          return Long.parseLong(v);
        }
      } catch (IOException | RuntimeException e) {
        // No such controller.
      }
    }
    return Long.MAX_VALUE;
  }

  /** Bytes as "1.2 GB" / "340 MB". */
  public static String human(double bytes) {
    if (bytes >= 1e12) {
      return String.format(Locale.ROOT, "%.1f TB", bytes / 1e12);
    }
    if (bytes >= 1e9) {
      return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
    return String.format(Locale.ROOT, "%.0f MB", Math.ceil(bytes / 1e6));
  }
}
