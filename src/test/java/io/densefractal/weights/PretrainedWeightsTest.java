package io.densefractal.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedWeightsTest {
  private static final byte[] CONTENT = "pretend checkpoint".getBytes(StandardCharsets.UTF_8);

  /** Never to be called: tests use no network. */
  private static final PretrainedWeights.Downloader NO_DOWNLOAD =
      (url, out) -> {
        throw new AssertionError("unexpected download of " + url);
      };

  @TempDir Path dir;

  @Test
  void urlsAreTorchvision014ImageNetV1() {
    assertThat(PretrainedWeights.url("resnet50"))
        .hasValue("https://download.pytorch.org/models/resnet50-0676ba61.pth");
    assertThat(PretrainedWeights.url("resnext101_64x4d"))
        .hasValue("https://download.pytorch.org/models/resnext101_64x4d-173b62eb.pth");
    assertThat(PretrainedWeights.url("densenet121"))
        .hasValue("https://download.pytorch.org/models/densenet121-a639ec97.pth");
    assertThat(PretrainedWeights.url("resnet20_cifar")).isEmpty();
    assertThat(PretrainedWeights.url("fractalnet20")).isEmpty();
  }

  @Test
  void everyUrlNamesItsModelAndAnEightDigitHashPrefix() {
    List<String> models =
        List.of(
            "resnet18",
            "resnet34",
            "resnet50",
            "resnet101",
            "resnet152",
            "resnext50_32x4d",
            "resnext101_32x8d",
            "resnext101_64x4d",
            "wide_resnet50_2",
            "wide_resnet101_2",
            "densenet121",
            "densenet161",
            "densenet169",
            "densenet201");
    for (String model : models) {
      String url = PretrainedWeights.url(model).orElseThrow();
      String file = url.substring(url.lastIndexOf('/') + 1);
      assertThat(file).matches(model + "-[0-9a-f]{8}\\.pth");
      assertThat(PretrainedWeights.expectedHashPrefix(file)).hasSize(8);
    }
  }

  @Test
  void unknownModelListsTheModelsThatHaveWeights() {
    assertThatThrownBy(() -> PretrainedWeights.fetch("resnet20_cifar", dir, NO_DOWNLOAD))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageStartingWith("no pretrained weights for model 'resnet20_cifar'")
        .hasMessageContaining("resnet18, resnet34, resnet50")
        .hasMessageContaining("densenet201")
        .hasMessageNotContaining("\n");
  }

  @Test
  void presentFileWithMatchingHashIsUsedWithoutDownload() throws IOException {
    String name = "thing-" + sha256(CONTENT).substring(0, 8) + ".pth";
    Path file = dir.resolve(name);
    Files.write(file, CONTENT);
    Path got = PretrainedWeights.fetchUrl(url(name), dir, NO_DOWNLOAD, false);
    assertThat(got).isEqualTo(file.toAbsolutePath());
    assertThat(got).hasBinaryContent(CONTENT);
  }

  @Test
  void presentFileWithWrongHashIsKeptAndReported() throws IOException {
    Path file = dir.resolve("resnet18-f37072fd.pth");
    Files.write(file, CONTENT);
    assertThatThrownBy(() -> PretrainedWeights.fetch("resnet18", dir, NO_DOWNLOAD))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining(file.toAbsolutePath().toString())
        .hasMessageContaining(sha256(CONTENT))
        .hasMessageContaining("does not start with f37072fd")
        .hasMessageContaining("left as it is")
        .hasMessageContaining("https://download.pytorch.org/models/resnet18-f37072fd.pth")
        .hasMessageNotContaining("\n");
    assertThat(file).hasBinaryContent(CONTENT);
  }

  @Test
  void hashPrefixIsCaseInsensitive() throws IOException {
    String name = "thing-" + sha256(CONTENT).substring(0, 10).toUpperCase() + ".pth";
    Files.write(dir.resolve(name), CONTENT);
    assertThat(PretrainedWeights.fetchUrl(url(name), dir, NO_DOWNLOAD, false)).exists();
  }

  @Test
  void offlineNamesTheUrlAndWhereToPutTheFile() {
    String old = System.getProperty("densefractal.offline");
    System.setProperty("densefractal.offline", "true");
    try {
      Path sub = dir.resolve("weights");
      assertThatThrownBy(() -> PretrainedWeights.fetch("densenet121", sub, NO_DOWNLOAD))
          .isInstanceOf(DenseFractalException.class)
          .hasMessageContaining("offline")
          .hasMessageContaining("https://download.pytorch.org/models/densenet121-a639ec97.pth")
          .hasMessageContaining(
              "put it at " + sub.toAbsolutePath().resolve("densenet121-a639ec97.pth"))
          .hasMessageNotContaining("\n");
      assertThat(sub).doesNotExist();
    } finally {
      if (old == null) {
        System.clearProperty("densefractal.offline");
      } else {
        System.setProperty("densefractal.offline", old);
      }
    }
  }

  @Test
  void downloadsIntoANewDirectoryAndRenamesOnlyAVerifiedFile() throws IOException {
    String name = "thing-" + sha256(CONTENT).substring(0, 8) + ".pth";
    Path sub = dir.resolve("a").resolve("b");
    AtomicInteger calls = new AtomicInteger();
    PretrainedWeights.Downloader fake =
        (url, out) -> {
          calls.incrementAndGet();
          assertThat(url).isEqualTo(url(name));
          out.write(CONTENT, 0, 5);
          out.write(CONTENT, 5, CONTENT.length - 5);
        };
    Path got = PretrainedWeights.fetchUrl(url(name), sub, fake, false);
    assertThat(got).isEqualTo(sub.toAbsolutePath().resolve(name)).hasBinaryContent(CONTENT);
    assertThat(listing(sub)).containsExactly(name);
    // Second time: verified from disk, no download.
    assertThat(PretrainedWeights.fetchUrl(url(name), sub, fake, false)).isEqualTo(got);
    assertThat(calls).hasValue(1);
  }

  @Test
  void badDownloadLeavesNothingBehind() throws IOException {
    String name = "thing-" + sha256(CONTENT).substring(0, 8) + ".pth";
    PretrainedWeights.Downloader corrupt = (url, out) -> out.write("truncated".getBytes());
    assertThatThrownBy(() -> PretrainedWeights.fetchUrl(url(name), dir, corrupt, false))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("does not start with " + name.substring(6, 14))
        .hasMessageContaining("deleted")
        .hasMessageContaining(dir.toAbsolutePath().resolve(name).toString())
        .hasMessageNotContaining("\n");
    assertThat(listing(dir)).isEmpty();
  }

  @Test
  void failedDownloadNamesTheUrlAndWhereToPutTheFile() throws IOException {
    String name = "thing-0123abcd.pth";
    PretrainedWeights.Downloader refused =
        (url, out) -> {
          out.write(CONTENT);
          throw new ConnectException("Connection refused");
        };
    assertThatThrownBy(() -> PretrainedWeights.fetchUrl(url(name), dir, refused, false))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageStartingWith("cannot download " + url(name))
        .hasMessageContaining("Connection refused")
        .hasMessageContaining("put it at " + dir.toAbsolutePath().resolve(name))
        .hasMessageNotContaining("\n");
    assertThat(listing(dir)).isEmpty();
  }

  @Test
  void sha256OfAFile() throws IOException {
    Path file = dir.resolve("abc");
    Files.writeString(file, "abc");
    assertThat(PretrainedWeights.sha256(file))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  private static URI url(String name) {
    return URI.create("https://example.invalid/models/" + name);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> listing(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).toList();
    }
  }
}
