package io.densefractal.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The datasets known by name, one entry each: where its files come from, its classes, its
 * transforms and how its splits are read. Adding a dataset is adding an entry.
 */
enum NamedDataset {
  FASHION_MNIST(
      "fashion-mnist",
      DatasetSource.FASHION_MNIST,
      Datasets::fashionMnist,
      dir -> Datasets.FASHION_MNIST_CLASSES,
      dir -> idx(dir.get(), Datasets.FASHION_MNIST_CLASSES)),
  MNIST(
      "mnist",
      DatasetSource.MNIST,
      Datasets::mnist,
      dir -> Datasets.MNIST_CLASSES,
      dir -> idx(dir.get(), Datasets.MNIST_CLASSES)),
  // CIFAR's classes come from its names file: only that file is read, not the images.
  CIFAR10(
      "cifar10",
      DatasetSource.CIFAR10,
      Datasets::cifar10,
      dir -> CifarDataset.cifar10Classes(dir.get()),
      dir -> CifarDataset.cifar10(dir.get())),
  CIFAR100(
      "cifar100",
      DatasetSource.CIFAR100,
      Datasets::cifar100,
      dir -> CifarDataset.cifar100Classes(dir.get()),
      dir -> CifarDataset.cifar100(dir.get())),
  /** The stratified Fashion-MNIST subset bundled in the jar (12,000 train / 2,000 test). */
  DEMO(
      "demo",
      null,
      Datasets::fashionMnist,
      dir -> Datasets.FASHION_MNIST_CLASSES,
      dir -> Datasets.demoSplits());

  final String name;
  private final DatasetSource source;
  private final Supplier<TransformSpec> transforms;
  private final Function<Supplier<Path>, List<String>> classes;
  private final Function<Supplier<Path>, ImageDataset[]> reader;

  /**
   * @param source where the files are looked for and downloaded from; null for bundled data
   * @param classes the class names, given the located folder (asked for only when needed)
   * @param reader the train and test splits, given the located folder
   */
  NamedDataset(
      String name,
      DatasetSource source,
      Supplier<TransformSpec> transforms,
      Function<Supplier<Path>, List<String>> classes,
      Function<Supplier<Path>, ImageDataset[]> reader) {
    this.name = name;
    this.source = source;
    this.transforms = transforms;
    this.classes = classes;
    this.reader = reader;
  }

  static Optional<NamedDataset> byName(String name) {
    for (NamedDataset d : values()) {
      if (d.name.equals(name)) {
        return Optional.of(d);
      }
    }
    return Optional.empty();
  }

  static List<String> names() {
    return Arrays.stream(values()).map(d -> d.name).toList();
  }

  TransformSpec transforms() {
    return transforms.get();
  }

  List<String> classes(Path dataDir, DatasetSource.Locations where) {
    return classes.apply(located(dataDir, where));
  }

  DataSplits open(Path dataDir, DatasetSource.Locations where) {
    ImageDataset[] splits = reader.apply(located(dataDir, where));
    return new DataSplits(name, splits[0], splits[1], transforms());
  }

  private Supplier<Path> located(Path dataDir, DatasetSource.Locations where) {
    return () -> source.locate(dataDir, where);
  }

  private static ImageDataset[] idx(Path dir, List<String> classes) {
    return new ImageDataset[] {
      IdxDataset.read(dir, "train", classes), IdxDataset.read(dir, "t10k", classes)
    };
  }
}
