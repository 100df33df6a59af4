package io.densefractal.data;

import io.densefractal.DenseFractalException;
import java.util.Objects;

/**
 * A dataset's train and test splits and how to transform them.
 *
 * @param name dataset name (or folder path)
 * @param train training images
 * @param test held-out images, with the same classes
 * @param transforms how both become network input ({@link TransformSpec#train()} for training)
 */
public record DataSplits(
    String name, ImageDataset train, ImageDataset test, TransformSpec transforms) {
  public DataSplits {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(transforms, "transforms");
    if (!train.classes().equals(test.classes())) {
      throw new DenseFractalException(
          name
              + ": the train and test splits have different classes ("
              + train.classes()
              + " vs "
              + test.classes()
              + "); both need the same class folders");
    }
  }
}
