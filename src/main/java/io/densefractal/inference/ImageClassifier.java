package io.densefractal.inference;

import io.densefractal.data.Image;
import io.densefractal.data.TransformSpec;
import java.util.List;

/**
 * A loaded image classifier ready for eval-mode inference, whatever engine runs it. The CLI's
 * inference commands, the HTTP server and the Spark jobs all go through this one interface, so an
 * engine is added in one place.
 *
 * <p>Implementations are safe to call from several threads at once.
 */
public interface ImageClassifier extends AutoCloseable {
  /** The model's name ({@code resnet50}, {@code fractalnet20}, ...). */
  String name();

  /** Which engine runs the forward ({@code libtorch}, {@code onnxruntime}). */
  String engine();

  /** Class names, in logit order. */
  List<String> classes();

  /** How an image becomes this model's input (channels, size, normalisation). */
  TransformSpec transforms();

  /** Number of columns that can answer alone (FractalNet), 0 for a network without columns. */
  int columns();

  /**
   * Eval-mode logits of {@code n} images laid out as (n, C, H, W) floats, C/H/W those of {@link
   * #transforms()}; row-major (n, classes).
   *
   * @param column null for the whole network, else the 1-based column of an anytime network
   */
  float[] logits(float[] images, int n, Integer column);

  /**
   * D: the length of an embedding, the globally pooled last feature map the classifier reads (the
   * "include_top=False + global pool" vector).
   */
  int embeddingSize();

  /**
   * Eval-mode embeddings of {@code n} images laid out as for {@link #logits}; row-major (n, {@link
   * #embeddingSize()}).
   */
  float[] embeddings(float[] images, int n);

  /**
   * One decoded image as network input: shorter side resized to the input size (or the spec's
   * resize), centre crop, normalisation — what {@code predict} does to a photo of any size.
   */
  default float[] preprocess(Image image) {
    TransformSpec t = transforms();
    TransformSpec anySize =
        new TransformSpec(
            t.channels(), t.size(), t.mean(), t.std(), 0, false, Math.max(t.resize(), t.size()));
    float[] x = new float[t.channels() * t.size() * t.size()];
    anySize.eval().apply(image, null, x, 0);
    return x;
  }

  @Override
  void close();
}
