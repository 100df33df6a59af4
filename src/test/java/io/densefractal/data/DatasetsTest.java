package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  @TempDir Path tmp;

  /** Offline, with home and system folders inside the temp dir. */
  private DatasetSource.Locations offline() {
    return new DatasetSource.Locations(
        tmp.resolve("home"), tmp.resolve("system"), true, url -> url);
  }

  @Test
  void namesForHelpTexts() {
    assertThat(Datasets.names())
        .containsExactly("fashion-mnist", "mnist", "cifar10", "cifar100", "demo");
  }

  @Test
  void demoIsTheBundledStratifiedSubset() {
    DataSplits d = Datasets.open("demo", null, 0.1, 0);
    assertThat(d.name()).isEqualTo("demo");
    assertThat(d.train().size()).isEqualTo(12_000);
    assertThat(d.test().size()).isEqualTo(2_000);
    assertThat(d.train().classes()).isEqualTo(Datasets.FASHION_MNIST_CLASSES);
    assertThat(d.train().classCounts()).containsOnly(1_200);
    assertThat(d.test().classCounts()).containsOnly(200);
    assertThat(d.transforms()).isEqualTo(Datasets.transforms("fashion-mnist", 0));
    Image img = d.train().image(0);
    assertThat(new int[] {img.channels(), img.height(), img.width()}).containsExactly(1, 28, 28);
  }

  @Test
  void transformsPerDataset() {
    TransformSpec fashion = Datasets.transforms("fashion-mnist", 0);
    assertThat(fashion.channels()).isEqualTo(1);
    assertThat(fashion.size()).isEqualTo(28);
    assertThat(fashion.mean()).containsExactly(0.2860f);
    assertThat(fashion.std()).containsExactly(0.3530f);
    assertThat(fashion.padding()).isEqualTo(2);
    assertThat(fashion.horizontalFlip()).isTrue();
    TransformSpec mnist = Datasets.transforms("mnist", 0);
    assertThat(mnist.mean()).containsExactly(0.1307f);
    assertThat(mnist.std()).containsExactly(0.3081f);
    assertThat(mnist.horizontalFlip()).isFalse();
    TransformSpec cifar10 = Datasets.transforms("cifar10", 0);
    assertThat(cifar10.size()).isEqualTo(32);
    assertThat(cifar10.padding()).isEqualTo(4);
    assertThat(cifar10.std()).containsExactly(0.2470f, 0.2435f, 0.2616f);
    assertThat(Datasets.transforms("cifar100", 0).mean())
        .containsExactly(0.5071f, 0.4865f, 0.4409f);
    TransformSpec folder = Datasets.transforms("photos", 0);
    assertThat(folder.size()).isEqualTo(224);
    assertThat(folder.resize()).isEqualTo(256);
    assertThat(folder.padding()).isZero();
    assertThat(Datasets.transforms("fashion-mnist", 32).size()).isEqualTo(32);
    assertThat(Datasets.open("demo", null, 0.1, 0, 32).transforms().size()).isEqualTo(32);
  }

  @Test
  void offlineFailureSaysWhatToPutWhere() {
    assertThatThrownBy(() -> Datasets.open("mnist", tmp.resolve("data"), 0.1, 0, 0, offline()))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("train-images-idx3-ubyte")
        .hasMessageContaining("t10k-labels-idx1-ubyte")
        .hasMessageContaining(tmp.resolve("data").toString())
        .hasMessageContaining(tmp.resolve("home/mnist").toString())
        .hasMessageContaining(tmp.resolve("system/mnist").toString())
        .hasMessageContaining("https://ossci-datasets.s3.amazonaws.com/mnist/")
        .hasMessageContaining("offline")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    assertThatThrownBy(() -> Datasets.open("cifar10", null, 0.1, 0, 0, offline()))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("data_batch_1.bin")
        .hasMessageContaining("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
  }

  /** The public entry point honours -Ddensefractal.offline=true and looks in ~/.densefractal. */
  @Test
  void offlineSystemProperty() {
    String home = System.getProperty("user.home");
    String offline = System.getProperty("densefractal.offline");
    System.setProperty("user.home", tmp.toString());
    System.setProperty("densefractal.offline", "true");
    try {
      assertThatThrownBy(() -> Datasets.open("mnist", null, 0.1, 0))
          .isInstanceOf(DatasetNotFoundException.class)
          .hasMessageContaining(tmp.resolve(".densefractal/datasets/mnist").toString())
          .hasMessageContaining("/usr/share/datasets/mnist")
          .hasMessageContaining("offline");
    } finally {
      System.setProperty("user.home", home);
      if (offline == null) {
        System.clearProperty("densefractal.offline");
      } else {
        System.setProperty("densefractal.offline", offline);
      }
    }
  }

  @Test
  void aFolderWithPartOfTheFilesIsReportedNotSkippedForAnotherCopy() throws IOException {
    TestFiles.idxFolder(tmp.resolve("system/mnist"), 40, 10, true);
    Path home = tmp.resolve("home/mnist");
    TestFiles.idxFolder(home, 50, 10, true);
    Path removed;
    try (var files = Files.list(home)) {
      removed = files.filter(f -> f.getFileName().toString().startsWith("t10k-labels")).findFirst()
          .orElseThrow();
    }
    Files.delete(removed);
    assertThatThrownBy(() -> Datasets.open("mnist", null, 0.1, 0, 0, offline()))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(home.toString())
        .hasMessageContaining("t10k-labels")
        .hasMessageNotContaining("\n");
  }

  @Test
  void looksInDataDirItsSubFolderHomeAndSystem() throws IOException {
    TestFiles.idxFolder(tmp.resolve("data"), 20, 10, true);
    assertThat(Datasets.open("mnist", tmp.resolve("data"), 0.1, 0, 0, offline()).train().size())
        .isEqualTo(20);
    TestFiles.idxFolder(tmp.resolve("data2/fashion-mnist"), 30, 10, false);
    DataSplits f = Datasets.open("fashion-mnist", tmp.resolve("data2"), 0.1, 0, 0, offline());
    assertThat(f.train().size()).isEqualTo(30);
    assertThat(f.train().classes()).isEqualTo(Datasets.FASHION_MNIST_CLASSES);
    TestFiles.idxFolder(tmp.resolve("system/mnist/MNIST/raw"), 40, 10, true); // torchvision's
    assertThat(Datasets.open("mnist", null, 0.1, 0, 0, offline()).train().size()).isEqualTo(40);
    TestFiles.idxFolder(tmp.resolve("home/mnist"), 50, 10, true); // home before system
    assertThat(Datasets.open("mnist", null, 0.1, 0, 0, offline()).train().size()).isEqualTo(50);
    TestFiles.cifar10Folder(tmp.resolve("home/cifar10/cifar-10-batches-bin"), 2);
    DataSplits c = Datasets.open("cifar10", null, 0.1, 0, 0, offline());
    assertThat(c.train().size()).isEqualTo(10);
    assertThat(c.transforms()).isEqualTo(Datasets.transforms("cifar10", 0));
  }

  @Test
  void fixedClassNamesNeedNoFilesOthersAreRead() throws IOException {
    // Nothing on disk, offline: the fixed lists still answer, CIFAR cannot.
    assertThat(Datasets.classes("fashion-mnist", tmp, 0.2, offline()))
        .isEqualTo(Datasets.FASHION_MNIST_CLASSES);
    assertThat(Datasets.classes("demo", null, 0.2, offline()))
        .isEqualTo(Datasets.FASHION_MNIST_CLASSES);
    assertThat(Datasets.classes("mnist", tmp, 0.2, offline())).isEqualTo(Datasets.MNIST_CLASSES);
    assertThatThrownBy(() -> Datasets.classes("cifar10", tmp, 0.2, offline()))
        .isInstanceOf(DatasetNotFoundException.class);
    TestFiles.cifar10Folder(tmp.resolve("home/cifar10/cifar-10-batches-bin"), 2);
    assertThat(Datasets.classes("cifar10", null, 0.2, offline()))
        .isEqualTo(Datasets.open("cifar10", null, 0.2, 0, 0, offline()).train().classes());
    // Only the names file is read: damaged images do not stop it.
    Files.write(tmp.resolve("home/cifar10/cifar-10-batches-bin/test_batch.bin"), new byte[7]);
    assertThatThrownBy(() -> Datasets.open("cifar10", null, 0.2, 0, 0, offline()))
        .isInstanceOf(DatasetFormatException.class);
    assertThat(Datasets.classes("cifar10", null, 0.2, offline()))
        .isEqualTo(TestFiles.CIFAR10_NAMES);
  }

  @Test
  void unknownNameSaysWhatIsAccepted() {
    assertThatThrownBy(() -> Datasets.open("imagenet-nowhere", tmp, 0.1, 0))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("unknown dataset 'imagenet-nowhere'")
        .hasMessageContaining("fashion-mnist, mnist, cifar10, cifar100, demo")
        .hasMessageContaining("one sub-folder");
  }

  @Test
  void downloadsMissingIdxFilesFromTheServer() throws IOException {
    Path source = tmp.resolve("server");
    TestFiles.idxFolder(source, 20, 10, true);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String f : IdxDataset.FILES) {
      files.put("/mnist/" + f + ".gz", Files.readAllBytes(source.resolve(f + ".gz")));
    }
    List<String> requested = new ArrayList<>();
    HttpServer server = serve(files, requested);
    try {
      DatasetSource.Locations where = online(server, "https://ossci-datasets.s3.amazonaws.com/");
      DataSplits d = Datasets.open("mnist", null, 0.1, 0, 0, where);
      assertThat(d.train().size()).isEqualTo(20);
      assertThat(requested).hasSize(4);
      try (var listing = Files.list(tmp.resolve("home/mnist"))) {
        assertThat(listing.map(p -> p.getFileName().toString()).sorted().toList())
            .containsExactly(
                "t10k-images-idx3-ubyte.gz",
                "t10k-labels-idx1-ubyte.gz",
                "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz"); // no temp files left
      }
      Datasets.open("mnist", null, 0.1, 0, 0, where);
      assertThat(requested).hasSize(4); // found, not downloaded again
    } finally {
      server.stop(0);
    }
  }

  @Test
  void downloadsAndExtractsTheCifarArchive() throws IOException {
    Path source = tmp.resolve("server");
    TestFiles.cifar10Folder(source, 3);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (String f : CifarDataset.CIFAR10_FILES) {
      entries.put("cifar-10-batches-bin/" + f, Files.readAllBytes(source.resolve(f)));
    }
    entries.put("cifar-10-batches-bin/readme.html", new byte[10]);
    byte[] archive = TestFiles.gzip(TestFiles.tar(entries));
    List<String> requested = new ArrayList<>();
    HttpServer server = serve(Map.of("/~kriz/cifar-10-binary.tar.gz", archive), requested);
    try {
      DataSplits d =
          Datasets.open("cifar10", null, 0.1, 0, 0, online(server, "https://www.cs.toronto.edu/"));
      assertThat(d.train().size()).isEqualTo(15);
      assertThat(d.test().size()).isEqualTo(3);
      try (var listing = Files.list(tmp.resolve("home/cifar10"))) {
        assertThat(listing.map(p -> p.getFileName().toString()).toList())
            .containsExactly("cifar-10-batches-bin"); // archive and temp folder removed
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void failedDownloadIsNotFoundWithTheReason() throws IOException {
    HttpServer server = serve(Map.of(), new ArrayList<>());
    try {
      assertThatThrownBy(
              () ->
                  Datasets.open(
                      "cifar100", null, 0.1, 0, 0, online(server, "https://www.cs.toronto.edu/")))
          .isInstanceOf(DatasetNotFoundException.class)
          .hasMessageContaining("fine_label_names.txt")
          .hasMessageContaining("the download failed: HTTP status 404");
      try (var listing = Files.list(tmp.resolve("home/cifar100"))) {
        assertThat(listing.toList()).isEmpty(); // no partial files
      }
    } finally {
      server.stop(0);
    }
  }

  private DatasetSource.Locations online(HttpServer server, String realPrefix) {
    String local = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    return new DatasetSource.Locations(
        tmp.resolve("home"), tmp.resolve("system"), false, url -> url.replace(realPrefix, local));
  }

  /** A local HTTP server for {@code files} (path → body); 404 for anything else. */
  private static HttpServer serve(Map<String, byte[]> files, List<String> requested)
      throws IOException {
    Map<String, byte[]> content = new ConcurrentHashMap<>(files);
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          synchronized (requested) {
            requested.add(path);
          }
          byte[] body = content.get(path);
          exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
          if (body != null) {
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
    return server;
  }
}
