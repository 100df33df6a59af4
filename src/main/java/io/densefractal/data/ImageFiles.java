package io.densefractal.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/** Decodes JPEG/PNG (anything javax.imageio reads) into channel-major {@link Image}s. */
public final class ImageFiles {
  /** PIL's decompression-bomb limit (2 × Image.MAX_IMAGE_PIXELS): larger images are refused. */
  public static final long MAX_PIXELS = 178_956_970L;

  private ImageFiles() {}

  /**
   * Reads {@code file} as {@code channels} channels, as PIL's {@code convert} would: 3 = RGB (grey
   * images repeated, alpha dropped), 1 = grey (ITU-R BT.601 luma of colour images).
   *
   * @throws DatasetFormatException naming the file when it is missing, too large or cannot be
   *     decoded
   */
  public static Image read(Path file, int channels) {
    checkChannels(channels);
    if (!Files.isRegularFile(file)) {
      throw new DatasetFormatException("image file " + file + " does not exist (or is no file)");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      return toImage(decode(in, file.toString(), MAX_PIXELS), channels);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read image " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Decodes the bytes of an image received over a network or read from a table, as {@link
   * #read(Path, int)} decodes a file. The size in the image's header is checked against {@code
   * maxPixels} before any pixel is decoded, so a small file claiming a huge image costs nothing.
   *
   * @param name how errors name the image (a path, a request, a row id)
   * @throws DatasetFormatException when the bytes are no image, damaged, or too large
   */
  public static Image read(byte[] bytes, String name, int channels, long maxPixels) {
    checkChannels(channels);
    if (bytes.length == 0) {
      throw new DatasetFormatException("image " + name + " is empty (0 bytes)");
    }
    // ImageIO.createImageInputStream would cache a stream in a temporary file (its default), a
    // file created, written and deleted per image; the bytes are in memory already.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      return toImage(decode(in, name, Math.min(maxPixels, MAX_PIXELS)), channels);
    } catch (IOException e) {
      throw new DatasetFormatException("cannot read image " + name + ": " + e.getMessage(), e);
    }
  }

  private static void checkChannels(int channels) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
    }
  }

  private static Image toImage(BufferedImage img, int channels) {
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

  private static BufferedImage decode(ImageInputStream in, String name, long maxPixels) {
    try {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new DatasetFormatException(
            "cannot decode image " + name + ": not a JPEG or PNG file; replace or remove it");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, false);
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > maxPixels) {
          throw new DatasetFormatException(
              "image "
                  + name
                  + " has "
                  + reader.getWidth(0)
                  + "x"
                  + reader.getHeight(0)
                  + " pixels, more than the "
                  + maxPixels
                  + " allowed; shrink it first");
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image =
            CmykJpeg.isCmyk(reader) ? CmykJpeg.read(reader, name) : reader.read(0);
        for (String w : warnings) {
          // libjpeg fills a cut-off scan with grey and only warns; PIL raises "image file is
          // truncated" (ImageFile.LOAD_TRUNCATED_IMAGES is off by default), and so do we.
          String lower = w.toLowerCase(Locale.ROOT);
          if (lower.contains("truncated") || lower.contains("premature end")) {
            throw new DatasetFormatException(
                "image " + name + " is truncated (" + w + "); replace it with a complete file");
          }
        }
        return image;
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof DatasetFormatException d) {
        throw d;
      }
      // Decoders signal damaged data with all kinds of runtime exceptions too.
      throw new DatasetFormatException(
          "cannot decode image "
              + name
              + ": "
              + (e.getMessage() == null ? "damaged data" : e.getMessage())
              + "; the file is damaged or truncated, replace it",
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

  /**
   * Whether the image stores 8-bit sRGB samples (alpha possibly after them) interleaved in one
   * byte array, as decoded PNGs and JPEGs do: then getRGB returns the stored bytes unchanged, and
   * they can be copied directly instead of through the colour model per pixel.
   */
  private static boolean interleavedRgbBytes(BufferedImage img) {
    java.awt.image.ColorModel cm = img.getColorModel();
    if (!(cm instanceof java.awt.image.ComponentColorModel)
        || !cm.getColorSpace().isCS_sRGB()
        || cm.isAlphaPremultiplied()
        || cm.getTransferType() != java.awt.image.DataBuffer.TYPE_BYTE
        || !(img.getRaster().getDataBuffer() instanceof java.awt.image.DataBufferByte)
        || !(img.getSampleModel() instanceof java.awt.image.PixelInterleavedSampleModel)
        || img.getRaster().getParent() != null
        || img.getRaster().getDataBuffer().getNumBanks() != 1
        || img.getRaster().getDataBuffer().getOffset() != 0) {
      return false;
    }
    for (int b = 0; b < cm.getNumComponents(); b++) {
      if (cm.getComponentSize(b) != 8) {
        return false;
      }
    }
    return cm.getNumColorComponents() == 3;
  }

  private static void copyInterleaved(BufferedImage img, byte[] px) {
    int h = img.getHeight();
    int w = img.getWidth();
    int plane = h * w;
    var sm = (java.awt.image.PixelInterleavedSampleModel) img.getSampleModel();
    byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
    int[] offsets = sm.getBandOffsets();
    int stride = sm.getScanlineStride();
    int step = sm.getPixelStride();
    int r = offsets[0];
    int g = offsets[1];
    int b = offsets[2];
    for (int y = 0; y < h; y++) {
      int s = y * stride;
      int i = y * w;
      for (int x = 0; x < w; x++, s += step, i++) {
        px[i] = data[s + r];
        px[plane + i] = data[s + g];
        px[2 * plane + i] = data[s + b];
      }
    }
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
    if (channels == 3 && interleavedRgbBytes(img)) {
      copyInterleaved(img, px);
      return;
    }
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
