package io.densefractal.data;

import io.densefractal.DenseFractalException;
import io.densefractal.net.HttpGet;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Where a named dataset's files live, and where they are downloaded from when missing. */
enum DatasetSource {
  FASHION_MNIST(
      "fashion-mnist",
      IdxDataset.FILES,
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
      null,
      "FashionMNIST/raw"),
  MNIST(
      "mnist",
      IdxDataset.FILES,
      "https://ossci-datasets.s3.amazonaws.com/mnist/",
      null,
      "MNIST/raw"),
  CIFAR10(
      "cifar10",
      CifarDataset.CIFAR10_FILES,
      "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
      "cifar-10-batches-bin",
      "cifar-10-batches-bin"),
  CIFAR100(
      "cifar100",
      CifarDataset.CIFAR100_FILES,
      "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
      "cifar-100-binary",
      "cifar-100-binary");

  /**
   * The places searched after {@code --data-dir}, whether downloading is allowed, and a rewrite of
   * the download URLs (tests point them at a local server).
   *
   * @param home datasets downloaded for this user ({@code ~/.densefractal/datasets})
   * @param system datasets installed system-wide ({@code /usr/share/datasets})
   */
  record Locations(Path home, Path system, boolean offline, UnaryOperator<String> urls) {
    /**
     * The real places; offline when {@code -Ddensefractal.offline=true} or {@code
     * DENSEFRACTAL_OFFLINE=1}.
     */
    static Locations defaults() {
      boolean offline = HttpGet.offline();
      return new Locations(
          Path.of(System.getProperty("user.home"), ".densefractal", "datasets"),
          Path.of("/usr/share/datasets"),
          offline,
          UnaryOperator.identity());
    }
  }

  final String name;

  /** The files needed, IDX ones without their optional .gz. */
  final List<String> files;

  /** IDX: the folder URL of the .gz files; CIFAR: the archive's URL. */
  final String url;

  /** The folder a CIFAR archive extracts to; null for IDX sets, which come file by file. */
  final String archiveFolder;

  /** A sub-folder where other tools keep the files (torchvision's raw/, the archive's folder). */
  final String alternative;

  DatasetSource(
      String name, List<String> files, String url, String archiveFolder, String alternative) {
    this.name = name;
    this.files = files;
    this.url = url;
    this.archiveFolder = archiveFolder;
    this.alternative = alternative;
  }

  /**
   * The folder holding the dataset: {@code dataDir} or {@code dataDir/<name>}, then {@code
   * home/<name>}, then {@code system/<name>} (each also with the {@link #alternative} sub-folder);
   * downloaded into {@code home/<name>} when it is in none of them.
   *
   * @throws DatasetNotFoundException (one line: the files, the places, the URL) when it is nowhere
   *     and downloading is off or fails
   */
  Path locate(Path dataDir, Locations where) {
    List<Path> places = new ArrayList<>();
    if (dataDir != null) {
      places.add(dataDir);
      places.add(dataDir.resolve(name));
    }
    places.add(where.home().resolve(name));
    places.add(where.system().resolve(name));
    for (Path place : places) {
      for (Path dir : List.of(place, place.resolve(alternative))) {
        List<String> missing = missing(dir);
        if (missing.isEmpty()) {
          return dir;
        }
        if (missing.size() < files.size()) {
          // Falling back to another copy would silently train on data the user did not point to.
          throw new DatasetFormatException(
              dir
                  + " holds part of "
                  + name
                  + " but not "
                  + String.join(", ", missing)
                  + "; complete or remove that folder");
        }
      }
    }
    if (where.offline()) {
      throw notFound(
          places,
          "not downloaded: offline mode, -Ddensefractal.offline=true or DENSEFRACTAL_OFFLINE=1");
    }
    try {
      return download(where);
    } catch (IOException | UncheckedIOException | DenseFractalException e) {
      throw new DatasetNotFoundException(
          notFound(places, "the download failed: " + oneLine(e)).getMessage(), e);
    }
  }

  /** Whether {@code dir} has every file (IDX files with or without .gz). */
  boolean complete(Path dir) {
    return missing(dir).isEmpty();
  }

  /** The dataset's files that {@code dir} lacks. */
  private List<String> missing(Path dir) {
    List<String> missing = new ArrayList<>();
    for (String f : files) {
      boolean idx = archiveFolder == null;
      if (idx ? IdxDataset.find(dir, f) == null : !Files.isRegularFile(dir.resolve(f))) {
        missing.add(f);
      }
    }
    return missing;
  }

  private DatasetNotFoundException notFound(List<Path> places, String why) {
    String what =
        archiveFolder == null
            ? String.join(", ", files) + " (each may end in .gz)"
            : String.join(", ", files) + " (the " + archiveFolder + "/ folder of the archive)";
    String source =
        archiveFolder == null
            ? "download them from " + url + "<file>.gz"
            : "download and extract " + url;
    List<String> shown = places.stream().map(Path::toString).toList();
    return new DatasetNotFoundException(
        "dataset "
            + name
            + " not found: it needs "
            + what
            + " in one of "
            + String.join(", ", shown)
            + "; "
            + source
            + " ("
            + why
            + ")");
  }

  private Path download(Locations where) throws IOException {
    Path dir = where.home().resolve(name);
    Files.createDirectories(dir);
    if (archiveFolder == null) {
      for (String f : files) {
        if (IdxDataset.find(dir, f) == null) {
          Downloads.fetch(URI.create(where.urls().apply(url + f + ".gz")), dir.resolve(f + ".gz"));
        }
      }
      return dir;
    }
    Path archive = dir.resolve("." + UUID.randomUUID() + ".tar.gz");
    Path unpacked = dir.resolve(".extract-" + UUID.randomUUID());
    try {
      Downloads.fetch(URI.create(where.urls().apply(url)), archive);
      try (InputStream in = new GZIPInputStream(Files.newInputStream(archive), 1 << 16)) {
        TarReader.extract(in, unpacked);
      }
      Path folder = unpacked.resolve(archiveFolder);
      if (!complete(folder)) {
        throw new DatasetFormatException(
            "the archive has no complete " + archiveFolder + "/ folder (" + files + ")");
      }
      Path target = dir.resolve(archiveFolder);
      if (!complete(target)) {
        deleteTree(target); // a damaged earlier copy
        try {
          Files.move(folder, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(folder, target);
        }
      }
      return target;
    } finally {
      Files.deleteIfExists(archive);
      deleteTree(unpacked);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    if (e instanceof java.net.ConnectException || e instanceof java.net.UnknownHostException) {
      m = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
    return m.replaceAll("\\s+", " ").strip();
  }
}
