package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** Assertions on the PNG files charts write. */
public final class Pngs {
  private Pngs() {}

  /** The image at {@code file}, which must be a readable PNG. */
  public static BufferedImage read(Path file) throws IOException {
    assertThat(file).isRegularFile();
    BufferedImage image = ImageIO.read(file.toFile());
    assertThat(image).as("a readable PNG at %s", file).isNotNull();
    return image;
  }

  public static void assertSize(BufferedImage image, int width, int height) {
    assertThat(image.getWidth()).isEqualTo(width);
    assertThat(image.getHeight()).isEqualTo(height);
  }

  /** No temp file of an atomic write is left in {@code dir}. */
  public static void assertNoTempFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
