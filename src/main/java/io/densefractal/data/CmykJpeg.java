package io.densefractal.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * CMYK JPEGs converted to RGB as PIL converts them, not through Java's colour management (which
 * differs from PIL by tens of levels). PIL reads the ink values (inverted, as Adobe stores them)
 * and applies {@code R = 255 - K' - C·(255 - K')/255} per channel ({@code cmyk2rgb} in Pillow's
 * Convert.c), without an ICC profile. YCCK JPEGs (Adobe transform 2) are refused: no file of that
 * kind could be made here to check a conversion against PIL.
 */
final class CmykJpeg {
  private static final String NATIVE_FORMAT = "javax_imageio_jpeg_image_1.0";

  private CmykJpeg() {}

  /** Whether {@code reader} (its input set) holds a four-channel JPEG. */
  static boolean isCmyk(ImageReader reader) throws IOException {
    if (!reader.getFormatName().equalsIgnoreCase("jpeg")) {
      return false;
    }
    var types = reader.getImageTypes(0);
    if (!types.hasNext()) {
      return false;
    }
    ImageTypeSpecifier first = types.next();
    return first.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_CMYK
        || first.getNumBands() == 4 && first.getColorModel().getNumColorComponents() == 4;
  }

  /** Decodes image 0 of {@code reader} to RGB, as PIL's {@code convert("RGB")}. */
  static BufferedImage read(ImageReader reader, String name) throws IOException {
    if (adobeTransform(reader) == 2) {
      throw new DatasetFormatException(
          "image "
              + name
              + " is a YCCK JPEG, which is not supported; convert it to RGB (e.g. PIL's"
              + " convert('RGB')) first");
    }
    Raster raster = reader.readRaster(0, null);
    int w = raster.getWidth();
    int h = raster.getHeight();
    BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] row = new int[w * 4];
    int[] out = new int[w];
    int x0 = raster.getMinX();
    int y0 = raster.getMinY();
    for (int y = 0; y < h; y++) {
      raster.getPixels(x0, y0 + y, w, 1, row);
      for (int x = 0; x < w; x++) {
        // The decoder's samples are the complements of the ink values PIL works with (checked
        // against PIL on files with and without an Adobe marker).
        int c = 255 - row[4 * x];
        int m = 255 - row[4 * x + 1];
        int yellow = 255 - row[4 * x + 2];
        int nk = row[4 * x + 3]; // 255 - K
        out[x] = channel(c, nk) << 16 | channel(m, nk) << 8 | channel(yellow, nk);
      }
      rgb.setRGB(0, y, w, 1, out, 0, w);
    }
    return rgb;
  }

  /** Pillow's {@code CLIP8(nk - MULDIV255(ink, nk))}. */
  private static int channel(int ink, int nk) {
    int t = ink * nk + 128;
    int v = nk - (((t >> 8) + t) >> 8);
    return Math.max(0, Math.min(255, v));
  }

  /** The transform of the APP14 Adobe marker, or -1 without one. */
  private static int adobeTransform(ImageReader reader) throws IOException {
    IIOMetadata metadata = reader.getImageMetadata(0);
    if (metadata == null) {
      return -1;
    }
    Node root = metadata.getAsTree(NATIVE_FORMAT);
    return find(root);
  }

  private static int find(Node node) {
    if (node.getNodeName().equals("app14Adobe")) {
      Node t = node.getAttributes().getNamedItem("transform");
      return t == null ? -1 : Integer.parseInt(t.getNodeValue());
    }
    NodeList children = node.getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      int t = find(children.item(i));
      if (t != -2 && t != -1) {
        return t;
      }
    }
    return -1;
  }
}
