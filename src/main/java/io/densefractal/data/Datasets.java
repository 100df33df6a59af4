package io.densefractal.data;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Opens datasets by name or folder. A named dataset is looked for in {@code dataDir} (itself or its
 * {@code <name>} sub-folder), then {@code ~/.densefractal/datasets/<name>}, then {@code
 * /usr/share/datasets/<name>} (where Debian's {@code dataset-fashion-mnist} installs); when it is
 * in none of them it is downloaded into the second place, unless offline ({@code
 * -Ddensefractal.offline=true} or {@code DENSEFRACTAL_OFFLINE=1}); then the error says where to put
 * which files.
 */
public final class Datasets {
  /** Fashion-MNIST's classes (Xiao et al. 2017), label order. */
  public static final List<String> FASHION_MNIST_CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  /** MNIST's classes: the digits. */
  public static final List<String> MNIST_CLASSES =
      List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  /** The classpath folder of the bundled Fashion-MNIST subset (see make_demo_dataset.py). */
  static final String DEMO_RESOURCE = "/datasets/fashion-mnist-demo/";

  private static final int FOLDER_SIZE = 224;

  private Datasets() {}

  /** Names accepted besides folder paths, for help texts. */
  public static List<String> names() {
    return NamedDataset.names();
  }

  /**
   * A dataset's class names in label order. Fixed for Fashion-MNIST, the demo subset and MNIST, so
   * nothing is read for them (predicting with their labels needs no data on disk); CIFAR's are read
   * from its names file (the dataset must be present, as for {@link #open}); an image folder's are
   * its class sub-folders, found as {@link #open(String, Path, double, long)} finds them.
   */
  public static List<String> classes(String name, Path dataDir, double validationFraction) {
    return classes(name, dataDir, validationFraction, DatasetSource.Locations.defaults());
  }

  static List<String> classes(
      String name, Path dataDir, double validationFraction, DatasetSource.Locations where) {
    Objects.requireNonNull(name, "name");
    return NamedDataset.byName(name)
        .map(d -> d.classes(dataDir, where))
        .orElseGet(() -> open(name, dataDir, validationFraction, 0, 0, where).train().classes());
  }

  /** {@link #open(String, Path, double, long, int)} at the dataset's own image size. */
  public static DataSplits open(String name, Path dataDir, double validationFraction, long seed) {
    return open(name, dataDir, validationFraction, seed, 0);
  }

  /**
   * Opens a dataset.
   *
   * @param name one of {@link #names()} ("demo" = the Fashion-MNIST subset in the jar), or an image
   *     folder: with {@code train/} and {@code test/} (or {@code val/}) sub-folders, or one folder
   *     of class folders split by {@code validationFraction}; a relative folder is also looked for
   *     in {@code dataDir}
   * @param dataDir where to look first, or null
   * @param validationFraction share of each class held out as the test split of a single folder
   * @param seed seeds that split
   * @param imageSize output size, 0 for the dataset's own (28, 32, 224 for folders); see {@link
   *     TransformSpec#withSize}
   * @throws DatasetNotFoundException when it is not found and cannot be downloaded
   * @throws DatasetFormatException when its files are damaged
   */
  public static DataSplits open(
      String name, Path dataDir, double validationFraction, long seed, int imageSize) {
    return open(
        name, dataDir, validationFraction, seed, imageSize, DatasetSource.Locations.defaults());
  }

  static DataSplits open(
      String name,
      Path dataDir,
      double validationFraction,
      long seed,
      int imageSize,
      DatasetSource.Locations where) {
    Objects.requireNonNull(name, "name");
    if (imageSize < 0) {
      throw new IllegalArgumentException("image size must be >= 0, got " + imageSize);
    }
    DataSplits d =
        NamedDataset.byName(name)
            .map(named -> named.open(dataDir, where))
            .or(
                () ->
                    provider(name, dataDir)
                        .map(p -> p.open(name, dataDir, validationFraction, seed)))
            .orElseGet(() -> folder(name, dataDir, validationFraction, seed));
    return imageSize > 0 && imageSize != d.transforms().size()
        ? new DataSplits(d.name(), d.train(), d.test(), d.transforms().withSize(imageSize))
        : d;
  }

  /** The transforms of a named dataset (any other name: an image folder's), without opening it. */
  public static TransformSpec transforms(String name, int imageSize) {
    TransformSpec t =
        NamedDataset.byName(name).map(NamedDataset::transforms).orElseGet(Datasets::imageFolder);
    return imageSize > 0 && imageSize != t.size() ? t.withSize(imageSize) : t;
  }

  static TransformSpec fashionMnist() {
    return new TransformSpec(1, 28, new float[] {0.2860f}, new float[] {0.3530f}, 2, true, 0);
  }

  static TransformSpec mnist() {
    return new TransformSpec(1, 28, new float[] {0.1307f}, new float[] {0.3081f}, 2, false, 0);
  }

  static TransformSpec cifar10() {
    return new TransformSpec(
        3,
        32,
        new float[] {0.4914f, 0.4822f, 0.4465f},
        new float[] {0.2470f, 0.2435f, 0.2616f},
        4,
        true,
        0);
  }

  static TransformSpec cifar100() {
    return new TransformSpec(
        3,
        32,
        new float[] {0.5071f, 0.4865f, 0.4409f},
        new float[] {0.2673f, 0.2564f, 0.2762f},
        4,
        true,
        0);
  }

  /** ImageNet statistics; shorter side 256, then 224² crops. */
  static TransformSpec imageFolder() {
    return new TransformSpec(
        3,
        FOLDER_SIZE,
        new float[] {0.485f, 0.456f, 0.406f},
        new float[] {0.229f, 0.224f, 0.225f},
        0,
        true,
        256);
  }

  /** The stratified Fashion-MNIST subset bundled in the jar (12,000 train / 2,000 test). */
  static ImageDataset[] demoSplits() {
    return new ImageDataset[] {
      IdxDataset.read(
          resource("train-images-idx3-ubyte.gz"),
          resource("train-labels-idx1-ubyte.gz"),
          FASHION_MNIST_CLASSES,
          "bundled demo train set"),
      IdxDataset.read(
          resource("t10k-images-idx3-ubyte.gz"),
          resource("t10k-labels-idx1-ubyte.gz"),
          FASHION_MNIST_CLASSES,
          "bundled demo test set")
    };
  }

  private static InputStream resource(String file) {
    InputStream in = Datasets.class.getResourceAsStream(DEMO_RESOURCE + file);
    if (in == null) {
      throw new DatasetNotFoundException(
          "the bundled demo data "
              + DEMO_RESOURCE
              + file
              + " is missing from the class path; rebuild the jar");
    }
    return in;
  }

  private static DataSplits folder(
      String name, Path dataDir, double validationFraction, long seed) {
    Path root = folderPath(name, dataDir);
    Path train = root.resolve("train");
    Path test = root.resolve("test");
    if (!Files.isDirectory(test)) {
      test = root.resolve("val");
    }
    if (Files.isDirectory(train) && Files.isDirectory(test)) {
      ImageFolderDataset a = ImageFolderDataset.scan(train);
      ImageFolderDataset b = ImageFolderDataset.scan(test);
      if (!a.classes().equals(b.classes())) {
        throw new DatasetFormatException(
            "the class folders of "
                + train
                + " and "
                + test
                + " differ ("
                + a.classes()
                + " vs "
                + b.classes()
                + "); both need the same class folders");
      }
      return new DataSplits(name, a, b, imageFolder());
    }
    // A lone train/ is split like a folder of classes.
    ImageDataset all = ImageFolderDataset.scan(Files.isDirectory(train) ? train : root);
    ImageDataset[] split = Subsets.split(all, validationFraction, seed);
    return new DataSplits(name, split[0], split[1], imageFolder());
  }

  /** The first {@link DatasetProvider} on the class path that accepts {@code name}. */
  private static Optional<DatasetProvider> provider(String name, Path dataDir) {
    for (DatasetProvider p : ServiceLoader.load(DatasetProvider.class)) {
      if (p.accepts(name, dataDir)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static Path folderPath(String name, Path dataDir) {
    Path root = null;
    try {
      root = Path.of(name);
      if (!Files.isDirectory(root) && dataDir != null && !root.isAbsolute()) {
        root = dataDir.resolve(name);
      }
    } catch (InvalidPathException e) {
      root = null;
    }
    if (name.endsWith(".parquet")) {
      throw new DatasetNotFoundException(
          "'"
              + name
              + "' is a Parquet table, or names one: Parquet training data is read by"
              + " `densefractal spark train --data TABLE`; here give a dataset name or an image"
              + " folder");
    }
    if (root == null || !Files.isDirectory(root)) {
      throw new DatasetNotFoundException(
          "unknown dataset '"
              + name
              + "': not one of "
              + String.join(", ", names())
              + ", and no such folder"
              + (dataDir == null ? "" : " (also not in " + dataDir + ")")
              + "; an image folder holds one sub-folder of .jpg/.png images per class, or train/"
              + " and test/ (or val/) folders of those");
    }
    return root;
  }
}
