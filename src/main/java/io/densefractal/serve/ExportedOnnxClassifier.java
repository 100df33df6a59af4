package io.densefractal.serve;

import io.densefractal.DenseFractalException;
import io.densefractal.data.TransformSpec;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.onnx.OnnxClassifier;
import io.densefractal.onnx.OnnxExport;
import io.densefractal.onnx.OnnxMetadata;
import io.densefractal.train.TrainedRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model served on ONNX Runtime from weights that are no ONNX file (a run, {@code .pth}, {@code
 * .safetensors}, {@code --pretrained}): the network is exported at start-up and, for an anytime
 * network, each column is exported on its own too, so that ONNX Runtime answers columns as
 * libtorch does. An {@code .onnx} file holds one graph (the whole network or one column), which is
 * why a FractalNet's columns need the weights rather than a file.
 */
final class ExportedOnnxClassifier implements ImageClassifier {
  /** Index 0: the whole network; i: column i alone. */
  private final List<OnnxClassifier> options;

  private ExportedOnnxClassifier(List<OnnxClassifier> options) {
    this.options = options;
  }

  /**
   * Exports {@code source}'s network (and each of its columns) to ONNX in a temporary folder and
   * opens them on ONNX Runtime; the files are deleted once opened.
   *
   * @param threads intra-op threads per session (0: one per core)
   */
  static ExportedOnnxClassifier open(ModelSource source, int threads) {
    List<OnnxClassifier> opened = new ArrayList<>();
    Path dir = null;
    try (TrainedRun trained = Classifiers.openRun(source)) {
      dir = Files.createTempDirectory("densefractal-serve-");
      int columns = trained.block() instanceof AnytimeNetwork net ? net.columns() : 0;
      for (int c = 0; c <= columns; c++) {
        OnnxMetadata metadata =
            new OnnxMetadata(
                trained.spec().name(),
                OnnxMetadata.Output.LOGITS,
                c,
                trained.classes(),
                trained.config().dataset(),
                trained.transforms());
        Path file = dir.resolve((c == 0 ? "network" : "column" + c) + ".onnx");
        OnnxExport.write(trained.block(), metadata, file);
        opened.add(OnnxClassifier.open(file, null, null, threads));
        Files.delete(file);
      }
      return new ExportedOnnxClassifier(List.copyOf(opened));
    } catch (IOException e) {
      opened.forEach(OnnxClassifier::close);
      throw new DenseFractalException(
          "cannot export " + source.describe() + " to ONNX for ONNX Runtime: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      opened.forEach(OnnxClassifier::close);
      throw e;
    } finally {
      deleteQuietly(dir);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // A temporary folder left behind costs disk, not correctness.
    }
  }

  private OnnxClassifier whole() {
    return options.get(0);
  }

  @Override
  public String name() {
    return whole().name();
  }

  @Override
  public String engine() {
    return whole().engine();
  }

  @Override
  public List<String> classes() {
    return whole().classes();
  }

  @Override
  public TransformSpec transforms() {
    return whole().transforms();
  }

  @Override
  public int columns() {
    return options.size() - 1;
  }

  @Override
  public float[] logits(float[] images, int n, Integer column) {
    if (column == null) {
      return whole().logits(images, n, null);
    }
    if (column < 1 || column > columns()) {
      throw new DenseFractalException(
          name() + " has " + (columns() == 0 ? "no columns" : "columns 1.." + columns())
              + "; got column " + column);
    }
    return options.get(column).logits(images, n, null);
  }

  @Override
  public int embeddingSize() {
    return whole().embeddingSize();
  }

  @Override
  public float[] embeddings(float[] images, int n) {
    return whole().embeddings(images, n);
  }

  @Override
  public void close() {
    options.forEach(OnnxClassifier::close);
  }
}
