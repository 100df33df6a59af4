package io.densefractal.cli;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import io.densefractal.analysis.MemoryGuard;
import io.densefractal.bench.BenchConfig;
import io.densefractal.bench.BenchResult;
import io.densefractal.bench.ClassifierBenchmark;
import io.densefractal.bench.StepBenchmark;
import io.densefractal.inference.Engine;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelZoo;
import io.densefractal.onnx.OnnxClassifier;
import io.densefractal.recompute.SegmentedNetwork;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code bench}: milliseconds per training or inference step, images/s and peak RSS. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Time training or inference steps of a model on random data.")
final class BenchCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-m", "--model"},
      description = "Model name (libtorch; with --engine onnxruntime the file names it).")
  String model;

  @Option(
      names = "--engine",
      paramLabel = "libtorch|onnxruntime",
      converter = EngineArgs.EngineConverter.class,
      description =
          "With --mode infer: libtorch (the zoo model, random weights) or onnxruntime (the"
              + " --weights .onnx file). Default libtorch; onnxruntime for an .onnx --weights.")
  Engine engine;

  @Option(
      names = "--weights",
      description = "With --engine onnxruntime: the .onnx model to time (from export or torch).")
  Path weights;

  @Option(
      names = "--graph-optimization",
      description =
          "With --engine onnxruntime: ONNX Runtime's graph optimisation, NO_OPT, BASIC_OPT,"
              + " EXTENDED_OPT or ALL_OPT (default ALL_OPT, the fastest measured).")
  OptLevel graphOptimization = OnnxClassifier.DEFAULT_OPTIMIZATION;

  @Option(names = "--mode", defaultValue = "train", description = "train or infer (default train).")
  String mode;

  @Option(names = "--batch", defaultValue = "8", description = "Images per step (default 8).")
  int batch;

  @Option(names = "--size", description = "Square input size (default: the model's).")
  Integer size;

  @Mixin ModelShapeArgs shape;

  @Option(names = "--threads", description = "Intra-op threads (default: all cores).")
  Integer threads;

  @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps (default 2).")
  int warmup;

  @Option(names = "--iters", defaultValue = "5", description = "Timed steps (default 5).")
  int iters;

  @Option(
      names = "--memory-efficient",
      description = "Train by recomputation: keep only segment boundaries (DenseNet).")
  boolean memoryEfficient;

  @Option(
      names = "--tail-budget",
      description =
          "With --memory-efficient: run the last segments with their graph instead of"
              + " recomputing them, up to this multiple of the largest segment input (more is"
              + " faster and uses more memory; 0 recomputes everything). Default "
              + SegmentedNetwork.DEFAULT_TAIL_BUDGET
              + ".")
  double tailBudget = SegmentedNetwork.DEFAULT_TAIL_BUDGET;

  @Option(
      names = "--fold-bn",
      description =
          "Infer with each conv + BatchNorm pair folded into one conv (ResNets, FractalNets).")
  boolean foldBatchNorm;

  @Option(
      names = "--column",
      description = "Run only column i (1 = shallowest) of a FractalNet, sharing its weights.")
  Integer column;

  @Option(
      names = "--memory-format",
      defaultValue = "AUTO",
      description =
          "Activation layout: AUTO (channels-last inference for more than one image, NCHW"
              + " training), CONTIGUOUS (NCHW) or CHANNELS_LAST (inference and training; training"
              + " gradients then at channels-last BatchNorm precision). Default AUTO.")
  MemoryFormat memoryFormat;

  @Option(
      names = "--versus-standard",
      description =
          "With --memory-efficient: alternate each step with a standard step in the same process"
              + " and report the median time ratio (robust to a shared machine's drifts; the peak"
              + " RSS is then the standard mode's).")
  boolean versusStandard;

  @Option(names = "--json", description = "One JSON object instead of text.")
  boolean json;

  @Override
  public Integer call() {
    if (threads != null && threads < 1) {
      throw new UsageException("--threads must be at least 1, got " + threads);
    }
    Engine e =
        engine != null
            ? engine
            : OnnxClassifier.isOnnxFile(weights) ? Engine.ONNXRUNTIME : Engine.LIBTORCH;
    if (e == Engine.ONNXRUNTIME) {
      return benchOnnx();
    }
    if (model == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "bench needs --model");
    }
    if (weights != null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--weights is for --engine onnxruntime; libtorch benchmarks random weights");
    }
    if (threads != null) {
      // Read once when the engine starts, which has not happened yet in this process.
      System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    var m = ModelZoo.get(model);
    BenchConfig config =
        new BenchConfig(
            model,
            mode,
            batch,
            size == null ? m.inputSize() : size,
            shape.options(m).numClasses(),
            shape.options(m).inChannels(),
            warmup,
            iters,
            memoryEfficient,
            tailBudget,
            foldBatchNorm,
            column,
            memoryFormat,
            versusStandard);
    MemoryGuard.require(
        m,
        new ModelOptions(config.numClasses(), config.inChannels()),
        config.size(),
        batch,
        mode.equals("infer")
            ? MemoryGuard.Work.INFER
            : memoryEfficient
                ? MemoryGuard.Work.TRAIN_MEMORY_EFFICIENT
                : MemoryGuard.Work.TRAIN,
        String.format(
            Locale.ROOT,
            "%s of --batch %d of %s at %dx%d",
            mode,
            batch,
            model,
            config.size(),
            config.size()));
    return print(StepBenchmark.run(config), "libtorch");
  }

  /** ONNX Runtime: eval forwards of the --weights .onnx graph on random images. */
  private int benchOnnx() {
    if (!mode.equals("infer")) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--engine onnxruntime benchmarks --mode infer only");
    }
    if (weights == null || !OnnxClassifier.isOnnxFile(weights)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--engine onnxruntime needs --weights FILE.onnx (densefractal export ... --to FILE.onnx"
              + " makes one)");
    }
    if (memoryEfficient || foldBatchNorm || versusStandard || size != null
        || shape.given() || memoryFormat != MemoryFormat.AUTO) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--engine onnxruntime takes the input size, classes and layout from the .onnx file;"
              + " drop the libtorch-only options");
    }
    int t = threads == null ? 0 : threads;
    try (OnnxClassifier classifier =
        OnnxClassifier.open(weights, model, null, t, graphOptimization, true)) {
      if (column != null && column != classifier.exportedColumn()) {
        throw new DenseFractalException(
            weights + " is a whole-network export, which cannot run column " + column
                + " alone; `densefractal export --column " + column + "` makes one");
      }
      Integer c = column;
      return print(ClassifierBenchmark.run(classifier, batch, warmup, iters, c, t), "onnxruntime");
    }
  }

  private int print(BenchResult r, String engineName) {
    PrintWriter out = spec.commandLine().getOut();
    String model = r.config().model();
    Integer column = r.config().column();
    int batch = r.config().batch();
    if (json) {
      JsonObject o = new JsonObject();
      o.addProperty("model", model);
      o.addProperty("engine", engineName);
      o.addProperty("mode", mode);
      o.addProperty("batch", batch);
      o.addProperty("size", r.config().size());
      o.addProperty("threads", r.threads());
      o.addProperty("memory_efficient", memoryEfficient);
      o.addProperty("fold_bn", foldBatchNorm);
      o.addProperty("memory_format", memoryFormat.name());
      if (column != null) {
        o.addProperty("column", column);
      }
      if (memoryEfficient) {
        o.addProperty("tail_budget", tailBudget);
      }
      o.addProperty("median_ms", r.medianMs());
      if (r.standard() != null) {
        o.addProperty("standard_median_ms", r.standard().medianMs());
        o.addProperty("median_ratio_to_standard", r.standard().medianRatio());
      }
      o.addProperty("min_ms", r.minMs());
      o.addProperty("max_ms", r.maxMs());
      o.addProperty("images_per_s", r.imagesPerSecond());
      o.addProperty("peak_rss_mb", r.peakRssMb());
      out.println(new GsonBuilder().create().toJson(o));
    } else {
      out.printf(
          Locale.ROOT,
          "%s %s %s%s batch %d, %dx%d, %d threads: median %.1f ms (min %.1f, max %.1f),"
              + " %.1f images/s, peak RSS %d MB%n",
          model,
          engineName,
          mode,
          (memoryEfficient ? " (memory-efficient)" : "")
              + (foldBatchNorm ? " (BatchNorm folded)" : "")
              + (column != null ? " (column " + column + ")" : "")
              + (memoryFormat != MemoryFormat.AUTO ? " (" + memoryFormat + ")" : ""),
          batch,
          r.config().size(),
          r.config().size(),
          r.threads(),
          r.medianMs(),
          r.minMs(),
          r.maxMs(),
          r.imagesPerSecond(),
          r.peakRssMb());
      if (r.standard() != null) {
        out.printf(
            Locale.ROOT,
            "  interleaved standard steps: median %.1f ms; memory-efficient / standard, median of"
                + " %d pairs: %.3fx%n",
            r.standard().medianMs(),
            iters,
            r.standard().medianRatio());
      }
    }
    out.flush();
    return 0;
  }
}
