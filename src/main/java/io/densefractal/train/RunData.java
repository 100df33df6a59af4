package io.densefractal.train;

import io.densefractal.data.DataSplits;
import io.densefractal.data.Datasets;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Subsets;
import io.densefractal.data.Transform;
import io.densefractal.models.MemoryFormat;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import java.nio.file.Path;
import java.util.List;

/**
 * The data of a run as its {@link TrainConfig} defines it: the same subsets and transforms for
 * training, for resuming and for evaluating later.
 *
 * @param train training images (the stratified subset when limited)
 * @param test test images (likewise)
 * @param classes class names, label order
 * @param trainTransform augmentation + normalisation
 * @param evalTransform normalisation only
 * @param memoryFormat the network's activation layout
 */
public record RunData(
    ImageDataset train,
    ImageDataset test,
    List<String> classes,
    Transform trainTransform,
    Transform evalTransform,
    MemoryFormat memoryFormat) {

  public static RunData open(TrainConfig c) {
    DataSplits data =
        Datasets.open(
            c.dataset(),
            c.dataDir() == null ? null : Path.of(c.dataDir()),
            c.validationFraction(),
            c.seed(),
            imageSize(c));
    return new RunData(
        limit(data.train(), c.limitTrain(), c.seed()),
        limit(data.test(), c.limitTest(), c.seed()),
        data.train().classes(),
        data.transforms().train(),
        data.transforms().eval(),
        c.memoryFormat());
  }

  /**
   * The input size of a run: the configured one, else the dataset's, except that a FractalNet,
   * which halves the resolution once per block (32 → 1 for five blocks), gets its natural size:
   * smaller images (Fashion-MNIST's 28) are zero-padded up to it.
   */
  public static int imageSize(TrainConfig c) {
    if (c.imageSize() > 0) {
      return c.imageSize();
    }
    ModelSpec spec = ModelZoo.get(c.model());
    int own = Datasets.transforms(c.dataset(), 0).size();
    return spec.family().equals("fractalnet") && own < spec.inputSize() ? spec.inputSize() : 0;
  }

  /** The model options the data implies: its classes and channels. */
  public ModelOptions modelOptions() {
    return new ModelOptions(classes.size(), trainTransform.channels(), memoryFormat);
  }

  /** The input shape of one image. */
  public ai.djl.ndarray.types.Shape oneImage() {
    return new ai.djl.ndarray.types.Shape(
        1, trainTransform.channels(), trainTransform.size(), trainTransform.size());
  }

  private static ImageDataset limit(ImageDataset d, int n, long seed) {
    return n > 0 ? Subsets.stratified(d, n, seed) : d;
  }
}
