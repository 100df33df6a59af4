package io.densefractal.models;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The 1000 ImageNet-1k class names in index order (torchvision's {@code _IMAGENET_CATEGORIES}),
 * from the resource {@code /imagenet_classes.txt}, one name a line.
 */
public final class ImageNetClasses {
  /** The number of ImageNet-1k classes. */
  public static final int COUNT = 1000;

  private static final String RESOURCE = "/imagenet_classes.txt";

  private ImageNetClasses() {}

  /** The class names, index i → name of class i; unmodifiable. */
  public static List<String> names() {
    return Holder.NAMES;
  }

  /** Loaded on first use only, so models that never name classes never read the file. */
  private static final class Holder {
    static final List<String> NAMES = load();
  }

  private static List<String> load() {
    InputStream stream = ImageNetClasses.class.getResourceAsStream(RESOURCE);
    if (stream == null) {
      throw new IllegalStateException(RESOURCE + " is missing from the classpath");
    }
    List<String> names = new ArrayList<>(COUNT);
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line; (line = in.readLine()) != null; ) {
        if (!line.isEmpty()) {
          names.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    if (names.size() != COUNT) {
      throw new IllegalStateException(
          RESOURCE + " has " + names.size() + " names, expected " + COUNT);
    }
    return List.copyOf(names);
  }
}
