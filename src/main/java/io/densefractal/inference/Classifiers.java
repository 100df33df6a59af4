package io.densefractal.inference;

import io.densefractal.models.ImageNetClasses;
import io.densefractal.train.TrainedRun;
import io.densefractal.weights.PretrainedWeights;

/** Opens the classifier a {@link ModelSource} names, on the engine asked for. */
public final class Classifiers {
  private Classifiers() {}

  /** The classifier on libtorch (the engine training uses). */
  public static ImageClassifier open(ModelSource source) {
    return new LibtorchClassifier(openRun(source));
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
