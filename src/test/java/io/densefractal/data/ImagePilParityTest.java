package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.testing.PythonReference;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding agrees with PIL on files made by PIL: every pixel of RGB, grey and CMYK JPEGs (with and
 * without an Adobe marker), and truncated JPEG/PNG files are refused exactly where PIL refuses
 * them.
 */
class ImagePilParityTest {
  @TempDir Path dir;

  @Test
  void decodingMatchesPilAndTruncatedFilesAreRefusedLikePil() throws Exception {
    writePlainCmykJpeg(dir.resolve("cmyk_plain.jpg"));
    PythonReference.run("pil_images.py", dir.toString());
    List<Path> images;
    try (Stream<Path> files = Files.list(dir)) {
      images = files.filter(p -> p.toString().matches(".*\\.(jpg|png)$")).sorted().toList();
    }
    assertThat(images).hasSizeGreaterThanOrEqualTo(12);
    int refused = 0;
    for (Path image : images) {
      Path error = Path.of(image + ".error");
      if (Files.exists(error)) {
        refused++;
        assertThatThrownBy(() -> ImageFiles.read(image, 3))
            .as("%s: PIL refuses it (%s)", image.getFileName(), Files.readString(error))
            .isInstanceOf(DatasetFormatException.class)
            .hasMessageContaining(image.toString())
            .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> ImageFiles.read(Files.readAllBytes(image), "x", 3, 1L << 30))
            .isInstanceOf(DatasetFormatException.class);
        continue;
      }
      byte[] rgb = Files.readAllBytes(Path.of(image + ".rgb"));
      byte[] grey = Files.readAllBytes(Path.of(image + ".L"));
      assertThat(ImageFiles.read(image, 3).pixels()).as("%s RGB", image.getFileName()).isEqualTo(rgb);
      assertThat(ImageFiles.read(image, 1).pixels()).as("%s L", image.getFileName()).isEqualTo(grey);
      // The bytes path goes through the same decoder.
      assertThat(ImageFiles.read(Files.readAllBytes(image), "x", 3, 1L << 30).pixels())
          .isEqualTo(rgb);
    }
    // Each cut-off copy (4 JPEG, 4 PNG) is refused by PIL, and so by us.
    assertThat(refused).isEqualTo(8);
  }

  /** A CMYK JPEG without an Adobe marker (Java's writer; PIL always adds the marker). */
  private static void writePlainCmykJpeg(Path file) throws Exception {
    WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 30, 20, 4, null);
    Random random = new Random(3);
    for (int y = 0; y < 20; y++) {
      for (int x = 0; x < 30; x++) {
        for (int b = 0; b < 4; b++) {
          r.setSample(x, y, b, random.nextInt(256));
        }
      }
    }
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (var out = ImageIO.createImageOutputStream(file.toFile())) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(r, null, null), writer.getDefaultWriteParam());
    } finally {
      writer.dispose();
    }
  }
}
