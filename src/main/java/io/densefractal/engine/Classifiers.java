package io.densefractal.engine;

import ai.djl.pytorch.jni.JniUtils;
import io.densefractal.DenseFractalException;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.LibtorchClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.models.ImageNetClasses;
import io.densefractal.onnx.OnnxClassifier;
import io.densefractal.train.TrainedRun;
import io.densefractal.weights.PretrainedWeights;

/**
 * Opens the classifier a {@link ModelSource} names, on the engine asked for. It sits above both
 * engines' packages ({@code inference} for libtorch, {@code onnx} for ONNX Runtime) so that
 * neither imports the other.
 */
public final class Classifiers {
  private Classifiers() {}

  /** The classifier on libtorch (the engine training uses). */
  public static ImageClassifier open(ModelSource source) {
    return new LibtorchClassifier(openRun(source));
  }

  /**
   * The classifier on {@code engine}. ONNX Runtime runs {@code .onnx} files (ours or
   * torch.onnx.export's); libtorch runs everything else (runs, .pth, .safetensors, pretrained).
   *
   * @param engine the engine, or null for {@link #defaultEngine} of the source
   * @param threads intra-op threads, 0 for the engine's default (one per core)
   */
  public static ImageClassifier open(ModelSource source, Engine engine, int threads) {
    Engine e = engine == null ? defaultEngine(source) : engine;
    boolean onnx = OnnxClassifier.isOnnxFile(source.weights());
    if (e == Engine.ONNXRUNTIME) {
      if (!onnx) {
        throw new DenseFractalException(
            "--engine onnxruntime runs .onnx files and "
                + source.describe()
                + " is not one; export it first (densefractal export ... --to model.onnx) or use"
                + " --engine libtorch");
      }
      return OnnxClassifier.open(source.weights(), source.model(), source.dataset(), threads);
    }
    if (onnx) {
      throw new DenseFractalException(
          source.weights() + " is an ONNX file: run it with --engine onnxruntime");
    }
    if (threads > 0) {
      useLibtorchThreads(threads);
    }
    return open(source);
  }

  /** Sets libtorch's intra-op thread count (process-wide: libtorch has one pool). */
  public static void useLibtorchThreads(int threads) {
    ai.djl.engine.Engine.getInstance(); // the native library must be loaded first
    JniUtils.setNumThreads(threads);
  }

  /**
   * ONNX Runtime for an {@code .onnx} file (the faster engine here, see docs/BENCHMARKS.md),
   * libtorch for every other source (they are not ONNX graphs).
   */
  public static Engine defaultEngine(ModelSource source) {
    return OnnxClassifier.isOnnxFile(source.weights()) ? Engine.ONNXRUNTIME : Engine.LIBTORCH;
  }

  /** The trained run a source names, with its classes and transforms. */
  public static TrainedRun openRun(ModelSource source) {
    if (source.run() != null) {
      return TrainedRun.open(source.run(), true);
    }
    if (source.pretrained()) {
      return TrainedRun.imageNet(
          source.model(), PretrainedWeights.fetch(source.model()), ImageNetClasses.names());
    }
    if (source.dataset() != null) {
      return TrainedRun.fromWeights(source.model(), source.weights(), source.dataset(), null, 0, 0);
    }
    return TrainedRun.fromWeights(source.model(), source.weights(), ImageNetClasses.names());
  }
}
