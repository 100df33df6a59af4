package io.densefractal.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Images in {@code root/<class>/**.{jpg,jpeg,png}} (extensions in any case), like torchvision's
 * ImageFolder: classes are the sub-folders sorted by name, files sorted by their path within each.
 * Names starting with '.' are skipped (hidden files, macOS "._" shadows). Images are decoded as RGB
 * when read, so the dataset holds only the file list.
 */
public final class ImageFolderDataset implements ImageDataset {
  private final Path root;
  private final List<Path> files;
  private final int[] labels;
  private final List<String> classes;

  private ImageFolderDataset(Path root, List<Path> files, int[] labels, List<String> classes) {
    this.root = root;
    this.files = List.copyOf(files);
    this.labels = labels;
    this.classes = List.copyOf(classes);
  }

  /**
   * Scans {@code root}.
   *
   * @throws DatasetNotFoundException when {@code root} is no folder
   * @throws DatasetFormatException when it has no class folders, or a class folder has no images
   */
  public static ImageFolderDataset scan(Path root) {
    if (!Files.isDirectory(root)) {
      throw new DatasetNotFoundException("image folder " + root + " does not exist");
    }
    List<Path> classDirs;
    try (Stream<Path> entries = Files.list(root)) {
      classDirs =
          entries
              .filter(p -> !hidden(p) && Files.isDirectory(p))
              .sorted(Comparator.comparing(p -> p.getFileName().toString()))
              .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new DatasetFormatException("cannot list image folder " + root + ": " + e, e);
    }
    if (classDirs.isEmpty()) {
      throw new DatasetFormatException(
          root
              + " has no class folders: expected "
              + root
              + "/<class>/<image>.jpg|png, one sub-folder per class");
    }
    List<String> classes = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    List<String> empty = new ArrayList<>();
    List<Integer> labelList = new ArrayList<>();
    for (Path dir : classDirs) {
      List<Path> images = images(dir);
      String name = dir.getFileName().toString();
      if (images.isEmpty()) {
        empty.add(name);
      }
      for (Path p : images) {
        files.add(p);
        labelList.add(classes.size());
      }
      classes.add(name);
    }
    if (!empty.isEmpty()) {
      // Skipping them would silently shift the labels of the classes after them.
      throw new DatasetFormatException(
          "class folders without .jpg/.jpeg/.png images in "
              + root
              + ": "
              + String.join(", ", empty)
              + "; add images or remove the folders");
    }
    int[] labels = labelList.stream().mapToInt(Integer::intValue).toArray();
    return new ImageFolderDataset(root, files, labels, classes);
  }

  private static List<Path> images(Path classDir) {
    try (Stream<Path> walk = Files.walk(classDir, FileVisitOption.FOLLOW_LINKS)) {
      return walk.filter(p -> isImage(classDir, p))
          .sorted(Comparator.comparing(p -> classDir.relativize(p).toString()))
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new DatasetFormatException("cannot list image folder " + classDir + ": " + e, e);
    }
  }

  private static boolean isImage(Path classDir, Path p) {
    for (Path part : classDir.relativize(p)) {
      if (part.toString().startsWith(".")) {
        return false;
      }
    }
    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return (name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png"))
        && Files.isRegularFile(p);
  }

  private static boolean hidden(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  /** The folder this dataset was scanned from. */
  public Path root() {
    return root;
  }

  /** The file of image {@code index}. */
  public Path file(int index) {
    return files.get(index);
  }

  @Override
  public int size() {
    return files.size();
  }

  /**
   * Decodes image {@code index} as RGB.
   *
   * @throws DatasetFormatException naming the file when it cannot be decoded
   */
  @Override
  public Image image(int index) {
    return ImageFiles.read(files.get(index), 3);
  }

  @Override
  public int label(int index) {
    return labels[index];
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public String toString() {
    return "ImageFolderDataset["
        + root
        + ", "
        + files.size()
        + " images, "
        + classes.size()
        + " classes]";
  }
}
