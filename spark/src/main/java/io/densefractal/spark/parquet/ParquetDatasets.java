package io.densefractal.spark.parquet;

import io.densefractal.data.DataSplits;
import io.densefractal.data.DatasetFormatException;
import io.densefractal.data.DatasetProvider;
import io.densefractal.data.Datasets;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Subsets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Parquet tables of labelled images as training data ({@code --data}): a table ({@code *.parquet},
 * a file or a folder of part files) split by the validation fraction as a folder of classes is, or
 * a folder holding {@code train.parquet} and {@code test.parquet} (or {@code val.parquet}), or a
 * Hugging Face dataset folder ({@code train-00000-of-00002.parquet}, ..., {@code test-...} or
 * {@code validation-...}; without those, the train files are split by the fraction). Any Hadoop
 * file system Spark reaches works ({@code hdfs://}, {@code s3a://}); every executor reads the table
 * itself, once per run.
 *
 * <p>Labels that are class names give the classes in name order (an image folder's rule); index
 * labels take the names Hugging Face's metadata gives, else "0", "1", ... Both splits share one
 * class list.
 */
public final class ParquetDatasets implements DatasetProvider {
  private static final List<String> TEST_NAMES =
      List.of("test.parquet", "val.parquet", "validation.parquet");
  private static final List<String> HUGGING_FACE_TESTS = List.of("test", "validation");

  @Override
  public boolean accepts(String name, java.nio.file.Path dataDir) {
    if (name.endsWith(".parquet") || name.endsWith(".parquet/")) {
      return true;
    }
    try {
      String folder = resolve(name, dataDir);
      return exists(child(folder, "train.parquet")) || huggingFaceFolder(folder);
    } catch (IllegalArgumentException | DatasetFormatException e) {
      return false; // not a path Hadoop understands: some other provider's or an image folder
    }
  }

  @Override
  public DataSplits open(
      String name, java.nio.file.Path dataDir, double validationFraction, long seed) {
    String table = resolve(name, dataDir);
    long budget = Runtime.getRuntime().maxMemory() / 2;
    ParquetImageTable train;
    ParquetImageTable test = null;
    if (huggingFaceFolder(table)) {
      train = ParquetImageTable.readSplit(table, "train", budget);
      Optional<String> split =
          HUGGING_FACE_TESTS.stream()
              .filter(n -> !ParquetImageTable.splitFiles(table, n, new Configuration()).isEmpty())
              .findFirst();
      if (split.isPresent()) {
        test = ParquetImageTable.readSplit(table, split.get(), budget - bytes(train));
      }
    } else if (exists(child(table, "train.parquet"))) {
      train = ParquetImageTable.read(child(table, "train.parquet"), budget);
      Optional<String> split =
          TEST_NAMES.stream().map(n -> child(table, n)).filter(ParquetDatasets::exists).findFirst();
      if (split.isPresent()) {
        test = ParquetImageTable.read(split.get(), budget - bytes(train));
      }
    } else {
      train = ParquetImageTable.read(table, budget);
    }
    if (test == null) {
      ImageDataset[] split =
          Subsets.split(datasets(List.of(train)).get(0), validationFraction, seed);
      return new DataSplits(name, split[0], split[1], Datasets.transforms(name, 0));
    }
    List<ImageDataset> both = datasets(List.of(train, test));
    return new DataSplits(name, both.get(0), both.get(1), Datasets.transforms(name, 0));
  }

  /** The tables as datasets over one class list. */
  static List<ImageDataset> datasets(List<ParquetImageTable> tables) {
    boolean named = tables.get(0).names() != null;
    for (ParquetImageTable t : tables) {
      if ((t.names() != null) != named) {
        throw new DatasetFormatException(
            "the label columns of "
                + tables.get(0).source()
                + " and "
                + t.source()
                + " differ: one holds class names, the other class indices; use one kind");
      }
    }
    List<String> classes = named ? namesInOrder(tables) : indexClasses(tables);
    List<ImageDataset> out = new ArrayList<>();
    for (ParquetImageTable t : tables) {
      int[] labels = named ? indicesOf(t.names(), classes) : t.indices();
      out.add(new ParquetImageDataset(t.source(), t.images(), labels, classes));
    }
    return out;
  }

  private static List<String> namesInOrder(List<ParquetImageTable> tables) {
    TreeSet<String> names = new TreeSet<>();
    tables.forEach(t -> names.addAll(t.names()));
    return List.copyOf(names);
  }

  private static int[] indicesOf(List<String> names, List<String> classes) {
    int[] labels = new int[names.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = Collections.binarySearch(classes, names.get(i));
    }
    return labels;
  }

  private static List<String> indexClasses(List<ParquetImageTable> tables) {
    int max = 0;
    for (ParquetImageTable t : tables) {
      for (int v : t.indices()) {
        max = Math.max(max, v);
      }
    }
    List<String> given = tables.get(0).classNames();
    if (!given.isEmpty()) {
      if (max >= given.size()) {
        throw new DatasetFormatException(
            "label "
                + max
                + " in "
                + tables.get(0).source()
                + " is not one of the "
                + given.size()
                + " classes its metadata names");
      }
      return given;
    }
    List<String> classes = new ArrayList<>();
    for (int c = 0; c <= max; c++) {
      classes.add(Integer.toString(c));
    }
    return classes;
  }

  /** A folder of Hugging Face's split files: {@code train-00000-of-00001.parquet}, ... */
  private static boolean huggingFaceFolder(String folder) {
    return !ParquetImageTable.splitFiles(folder, "train", new Configuration()).isEmpty();
  }

  private static long bytes(ParquetImageTable t) {
    long n = 0;
    for (byte[] b : t.images()) {
      n += b.length;
    }
    return n;
  }

  /** {@code name}, or {@code dataDir/name} when {@code name} is a relative path not found here. */
  private static String resolve(String name, java.nio.file.Path dataDir) {
    if (dataDir == null || name.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
      return name;
    }
    java.nio.file.Path p = java.nio.file.Path.of(name);
    if (p.isAbsolute() || java.nio.file.Files.exists(p)) {
      return name;
    }
    java.nio.file.Path inDir = dataDir.resolve(name);
    return java.nio.file.Files.exists(inDir) ? inDir.toString() : name;
  }

  private static String child(String table, String name) {
    return new Path(new Path(table), name).toString();
  }

  private static boolean exists(String path) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(new Configuration());
      return fs.exists(p);
    } catch (IOException e) {
      return false;
    }
  }
}
