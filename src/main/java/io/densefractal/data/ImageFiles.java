package io.densefractal.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** Decodes JPEG/PNG (anything javax.imageio reads) into channel-major {@link Image}s. */
public final class ImageFiles {
  /** PIL's decompression-bomb limit (2 × Image.MAX_IMAGE_PIXELS): larger images are refused. */
  static final long MAX_PIXELS = 178_956_970L;

  private ImageFiles() {}

  /**
   * Reads {@code file} as {@code channels} channels, as PIL's {@code convert} would: 3 = RGB (grey
   * images repeated, alpha dropped), 1 = grey (ITU-R BT.601 luma of colour images).
   *
   * @throws DatasetFormatException naming the file when it is missing, too large or cannot be
   *     decoded
   */
  public static Image read(Path file, int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
    BufferedImage img = decode(file);
    int h = img.getHeight();
    int w = img.getWidth();
    byte[] px = new byte[channels * h * w];
    if (isGrey(img)) {
      grey(img.getRaster(), img.getColorModel().getComponentSize(0), channels, px);
    } else {
      colour(img, channels, px);
    }
    return new Image(channels, h, w, px);
  }

  private static BufferedImage decode(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetFormatException("image file " + file + " does not exist (or is no file)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new DatasetFormatException(
            "cannot decode image " + file + ": not a JPEG or PNG file; remove it from the folder");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
          throw new DatasetFormatException(
              "image "
                  + file
                  + " has "
                  + reader.getWidth(0)
                  + "x"
                  + reader.getHeight(0)
                  + " pixels, more than the "
                  + MAX_PIXELS
                  + " allowed; shrink it first");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof DatasetFormatException d) {
        throw d;
      }
      // Decoders signal damaged data with all kinds of runtime exceptions too.
      throw new DatasetFormatException(
          "cannot decode image " + file + ": " + e + "; the file is damaged, remove or replace it",
          e);
    }
  }

  // getRGB would pass grey through a linear-to-sRGB conversion (50 becomes 122); PIL keeps the
  // stored values, so grey images are read from the raster.
  private static boolean isGrey(BufferedImage img) {
    return img.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && img.getColorModel().getComponentSize(0) <= 16
        && !(img.getColorModel() instanceof java.awt.image.IndexColorModel);
  }

  private static void grey(Raster raster, int bits, int channels, byte[] px) {
    int h = raster.getHeight();
    int w = raster.getWidth();
    int plane = h * w;
    int max = (1 << bits) - 1;
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      raster.getSamples(0, y, w, 1, 0, row);
      for (int x = 0; x < w; x++) {
        byte v = (byte) (bits == 8 ? row[x] : (row[x] * 255 + max / 2) / max);
        for (int c = 0; c < channels; c++) {
          px[c * plane + y * w + x] = v;
        }
      }
    }
  }

  private static void colour(BufferedImage img, int channels, byte[] px) {
    int h = img.getHeight();
    int w = img.getWidth();
    int plane = h * w;
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      img.getRGB(0, y, w, 1, row, 0, w);
      for (int x = 0; x < w; x++) {
        int r = (row[x] >> 16) & 0xFF;
        int g = (row[x] >> 8) & 0xFF;
        int b = row[x] & 0xFF;
        int i = y * w + x;
        if (channels == 3) {
          px[i] = (byte) r;
          px[plane + i] = (byte) g;
          px[2 * plane + i] = (byte) b;
        } else {
          // PIL's fixed-point L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded.
          px[i] = (byte) ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16);
        }
      }
    }
  }
}
