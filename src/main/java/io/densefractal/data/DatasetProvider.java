package io.densefractal.data;

import java.nio.file.Path;

/**
 * Datasets that a module on the class path adds to the named ones and image folders (found with
 * {@link java.util.ServiceLoader}): the Spark module reads Parquet tables this way, so that the
 * training loop, resume and evaluation open them by the same {@code --data} string on the driver
 * and on every executor, while the core carries no Parquet reader.
 */
public interface DatasetProvider {
  /**
   * Whether {@code name} is one of this provider's datasets, judged from the name and at most a
   * listing of its folder (no data read): the first provider that accepts a name opens it.
   */
  boolean accepts(String name, Path dataDir);

  /**
   * Opens the dataset, as {@link Datasets#open(String, Path, double, long)} opens an image folder.
   *
   * @param validationFraction share of each class held out as the test split of a single table
   * @param seed seeds that split
   * @throws DatasetNotFoundException when it is not there
   * @throws DatasetFormatException when it cannot be read as images and labels
   */
  DataSplits open(String name, Path dataDir, double validationFraction, long seed);
}
