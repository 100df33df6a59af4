package io.densefractal.weights;

import io.densefractal.DenseFractalException;
import io.densefractal.files.AtomicFiles;
import io.densefractal.net.HttpGet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.io.output.CloseShieldOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * torchvision's published ImageNet checkpoints: where they are, and a local copy under {@code
 * ~/.densefractal/weights}, downloaded on first use and checked against the SHA-256 prefix that
 * torchvision puts in each file name ({@code resnet50-0676ba61.pth}: the file's SHA-256 starts with
 * {@code 0676ba61}).
 */
public final class PretrainedWeights {
  private static final Logger LOG = LoggerFactory.getLogger(PretrainedWeights.class);

  private static final String BASE = "https://download.pytorch.org/models/";

  /**
   * Model name → checkpoint file, exactly the {@code IMAGENET1K_V1} URLs of torchvision 0.14
   * (torchvision/models/resnet.py and densenet.py). Older torchvision releases published the same
   * weights under other file names (e.g. resnet50-19c8e357.pth, legacy serialization); the hashes
   * checked here are those of the 0.14 names. resnext101_64x4d has only the newer recipe's weights
   * (added in torchvision 0.13), which 0.14 nonetheless calls IMAGENET1K_V1.
   */
  private static final Map<String, String> FILES = files();

  private static final Pattern HASH_SUFFIX = Pattern.compile(".*-([0-9a-fA-F]+)(\\.[^.-]*)?");

  private static final int BUFFER_SIZE = 1 << 16;

  /** Writes the body found at a URL to a stream; an {@link IOException} means "cannot download". */
  @FunctionalInterface
  interface Downloader {
    void download(URI url, OutputStream out) throws IOException;
  }

  private PretrainedWeights() {}

  private static Map<String, String> files() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("resnet18", "resnet18-f37072fd.pth");
    m.put("resnet34", "resnet34-b627a593.pth");
    m.put("resnet50", "resnet50-0676ba61.pth");
    m.put("resnet101", "resnet101-63fe2227.pth");
    m.put("resnet152", "resnet152-394f9c45.pth");
    m.put("resnext50_32x4d", "resnext50_32x4d-7cdf4587.pth");
    m.put("resnext101_32x8d", "resnext101_32x8d-8ba56ff5.pth");
    m.put("resnext101_64x4d", "resnext101_64x4d-173b62eb.pth");
    m.put("wide_resnet50_2", "wide_resnet50_2-95faca4d.pth");
    m.put("wide_resnet101_2", "wide_resnet101_2-32ee1156.pth");
    m.put("densenet121", "densenet121-a639ec97.pth");
    m.put("densenet161", "densenet161-8d451a50.pth");
    m.put("densenet169", "densenet169-b2777c0a.pth");
    m.put("densenet201", "densenet201-c1103571.pth");
    return Collections.unmodifiableMap(m);
  }

  /** The torchvision URL of a model's ImageNet checkpoint, if it has one. */
  public static Optional<String> url(String model) {
    Objects.requireNonNull(model, "model");
    return Optional.ofNullable(FILES.get(model)).map(file -> BASE + file);
  }

  /**
   * The local copy of a model's ImageNet checkpoint: {@code ~/.densefractal/weights/<file name>},
   * downloaded if missing (into a temp file, renamed into place only once complete and verified).
   * The hex after the last '-' in the file name must be a prefix of the file's SHA-256; a file
   * already there is checked too.
   *
   * <p>No download is tried when the system property {@code densefractal.offline} is {@code true}
   * or the environment variable {@code DENSEFRACTAL_OFFLINE} is {@code 1}.
   *
   * @throws DenseFractalException if the model has no published weights, the file cannot be
   *     downloaded (the message names the URL and where to put the file by hand), or its hash does
   *     not match (a file in the cache is left for the user to replace)
   */
  public static Path fetch(String model) {
    return fetch(
        model, defaultDirectory(), (url, out) -> HttpGet.into(url, out, HttpGet.Timeouts.DEFAULT));
  }

  /** {@link #fetch(String)} with an explicit directory and downloader. */
  static Path fetch(String model, Path dir, Downloader downloader) {
    String url =
        url(model)
            .orElseThrow(
                () ->
                    new DenseFractalException(
                        "no pretrained weights for model '"
                            + model
                            + "'; torchvision publishes ImageNet weights for: "
                            + String.join(", ", FILES.keySet())));
    return fetchUrl(URI.create(url), dir, downloader, offline());
  }

  /**
   * The file at {@code url}, cached in {@code dir} under its own file name; {@code offline} forbids
   * the download.
   */
  static Path fetchUrl(URI url, Path dir, Downloader downloader, boolean offline) {
    String name = fileName(url);
    String expected = expectedHashPrefix(name);
    Path target = dir.toAbsolutePath().resolve(name);
    if (Files.exists(target)) {
      String actual = sha256(target);
      if (!actual.startsWith(expected)) {
        // Left in place: it may be a file the user put there by hand, and is theirs to replace.
        throw new DenseFractalException(
            target
                + " has SHA-256 "
                + actual
                + ", which does not start with "
                + expected
                + " as its name requires (corrupt or wrong file); it was left as it is: replace it"
                + " with the file from "
                + url
                + ", or delete it to download it anew");
      }
      return target;
    }
    if (offline) {
      throw new DenseFractalException(
          "offline (densefractal.offline=true or DENSEFRACTAL_OFFLINE=1), so cannot download "
              + url
              + "; download it yourself and put it at "
              + target);
    }
    createDirectories(dir, url, target);
    LOG.info("downloading {} to {}", url, target);
    AtomicFiles.write(target, out -> download(url, target, expected, downloader, out));
    return target;
  }

  /** Downloads into {@code out}, checking the hash before the temp file is renamed into place. */
  private static void download(
      URI url, Path target, String expected, Downloader downloader, OutputStream out) {
    MessageDigest digest = newSha256();
    // The downloader must not close the temp file's stream: AtomicFiles still syncs it.
    try (DigestOutputStream digesting = new DigestOutputStream(CloseShieldOutputStream.wrap(out), digest)) {
      downloader.download(url, digesting);
    } catch (IOException e) {
      throw new DenseFractalException(
          "cannot download "
              + url
              + ": "
              + describe(e)
              + "; download it yourself and put it at "
              + target,
          e);
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.startsWith(expected)) {
      // Thrown from the body: AtomicFiles deletes the temp file, the target is never created.
      throw new DenseFractalException(
          "the download of "
              + url
              + " has SHA-256 "
              + actual
              + ", which does not start with "
              + expected
              + " (corrupt or incomplete download); deleted it, run again to retry or put the"
              + " correct file at "
              + target);
    }
  }

  private static boolean offline() {
    return HttpGet.offline();
  }

  private static Path defaultDirectory() {
    return Path.of(System.getProperty("user.home"), ".densefractal", "weights");
  }

  private static String fileName(URI url) {
    String path = url.getPath();
    String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
    if (name.isEmpty()) {
      throw new IllegalArgumentException("no file name in " + url);
    }
    return name;
  }

  /** The lower-case hex after the last '-' of a file name, before its extension. */
  static String expectedHashPrefix(String fileName) {
    Matcher m = HASH_SUFFIX.matcher(fileName);
    if (!m.matches()) {
      throw new IllegalArgumentException("no hash prefix after a '-' in the file name " + fileName);
    }
    return m.group(1).toLowerCase(Locale.ROOT);
  }

  /** The SHA-256 of a file, as lower-case hex. */
  static String sha256(Path file) {
    MessageDigest digest = newSha256();
    byte[] buffer = new byte[BUFFER_SIZE];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new DenseFractalException("cannot read " + file + ": " + describe(e), e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static void createDirectories(Path dir, URI url, Path target) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new DenseFractalException(
          "cannot create the weights directory "
              + dir
              + ": "
              + describe(e)
              + "; download "
              + url
              + " yourself and put it at "
              + target,
          e);
    }
  }

  /** One line for the user: the first message in the cause chain, else the exception types. */
  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file " + e.getMessage();
    }
    StringBuilder types = new StringBuilder();
    for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
        return "cannot resolve the host name (no network?)";
      }
      String message = t.getMessage();
      if (message != null && !message.isBlank()) {
        return t.getClass().getSimpleName() + ": " + oneLine(message);
      }
      types.append(types.length() == 0 ? "" : " caused by ").append(t.getClass().getSimpleName());
    }
    return types.toString();
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}
