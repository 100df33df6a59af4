package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.testing.PythonReference;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
  @TempDir Path root;

  @Test
  void classesAndFilesAreSortedAndDecodedAsRgb() throws IOException {
    TestFiles.rgbImage(root.resolve("dog/b.png"), 3, 2, 10, 20, 30, "png");
    TestFiles.rgbImage(root.resolve("dog/a.PNG"), 3, 2, 40, 50, 60, "png");
    TestFiles.rgbImage(root.resolve("cat/z.jpg"), 8, 8, 100, 100, 100, "jpg");
    TestFiles.rgbImage(root.resolve("cat/sub/y.JPEG"), 8, 8, 100, 100, 100, "jpeg");
    Files.writeString(root.resolve("cat/notes.txt"), "not an image");
    Files.writeString(root.resolve("cat/._z.jpg"), "macOS shadow file");
    Files.createDirectories(root.resolve(".cache/x"));
    TestFiles.rgbImage(root.resolve(".cache/x/c.png"), 1, 1, 0, 0, 0, "png");

    ImageFolderDataset d = ImageFolderDataset.scan(root);
    assertThat(d.classes()).containsExactly("cat", "dog");
    assertThat(d.size()).isEqualTo(4);
    assertThat(d.file(0)).isEqualTo(root.resolve("cat/sub/y.JPEG"));
    assertThat(d.file(1)).isEqualTo(root.resolve("cat/z.jpg"));
    assertThat(d.file(2)).isEqualTo(root.resolve("dog/a.PNG"));
    assertThat(new int[] {d.label(0), d.label(1), d.label(2), d.label(3)})
        .containsExactly(0, 0, 1, 1);

    Image png = d.image(3); // dog/b.png: pixel (x, y) = (10 + x, 20 + y, 30)
    assertThat(png.channels()).isEqualTo(3);
    assertThat(png.height()).isEqualTo(2);
    assertThat(png.width()).isEqualTo(3);
    assertThat(png.at(0, 1, 2)).isEqualTo(12);
    assertThat(png.at(1, 1, 2)).isEqualTo(21);
    assertThat(png.at(2, 1, 2)).isEqualTo(30);
    Image jpg = d.image(1);
    assertThat(jpg.at(0, 4, 0)).isCloseTo(100, org.assertj.core.data.Offset.offset(4));
  }

  @Test
  void greyImagesKeepTheirValues() throws IOException {
    BufferedImage grey = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
    grey.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 50, 200});
    Path file = root.resolve("g/grey.png");
    Files.createDirectories(file.getParent());
    ImageIO.write(grey, "png", file.toFile());
    Image rgb = ImageFiles.read(file, 3);
    // getRGB would give 122 for 50 (a linear-to-sRGB conversion); PIL keeps 50.
    for (int c = 0; c < 3; c++) {
      assertThat(new int[] {rgb.at(c, 0, 0), rgb.at(c, 0, 1), rgb.at(c, 0, 2)})
          .containsExactly(0, 50, 200);
    }
    assertThat(ImageFiles.read(file, 1).pixels()).containsExactly(0, 50, (byte) 200);
  }

  @Test
  void alphaIsDropped() throws IOException {
    BufferedImage argb = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
    argb.setRGB(0, 0, 0x10_20_30_40);
    Path file = root.resolve("a/alpha.png");
    Files.createDirectories(file.getParent());
    ImageIO.write(argb, "png", file.toFile());
    assertThat(ImageFiles.read(file, 3).pixels()).containsExactly(0x20, 0x30, 0x40);
  }

  @Test
  void undecodableFileIsNamed() throws IOException {
    TestFiles.rgbImage(root.resolve("ok/a.png"), 2, 2, 0, 0, 0, "png");
    Path bad = root.resolve("ok/broken.jpg");
    Files.writeString(bad, "this is no JPEG");
    Path cut = root.resolve("ok/cut.png");
    byte[] png = Files.readAllBytes(root.resolve("ok/a.png"));
    Files.write(cut, java.util.Arrays.copyOf(png, png.length / 2));
    ImageFolderDataset d = ImageFolderDataset.scan(root);
    assertThat(d.image(0).width()).isEqualTo(2);
    assertThatThrownBy(() -> d.image(1))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(bad.toString());
    assertThatThrownBy(() -> d.image(2))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining(cut.toString());
  }

  @Test
  void emptyClassesAndEmptyRootsAreErrors() throws IOException {
    assertThatThrownBy(() -> ImageFolderDataset.scan(root))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("no class folders");
    TestFiles.rgbImage(root.resolve("a/x.png"), 1, 1, 0, 0, 0, "png");
    Files.createDirectories(root.resolve("b"));
    assertThatThrownBy(() -> ImageFolderDataset.scan(root))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("without .jpg/.jpeg/.png images")
        .hasMessageContaining(": b;");
    assertThatThrownBy(() -> ImageFolderDataset.scan(root.resolve("missing")))
        .isInstanceOf(DatasetNotFoundException.class);
  }

  @Test
  void trainAndValFoldersAreTheSplits() throws IOException {
    for (String split : List.of("train", "val")) {
      for (String c : List.of("ant", "bee")) {
        for (int i = 0; i < (split.equals("train") ? 3 : 1); i++) {
          TestFiles.rgbImage(
              root.resolve(split + "/" + c + "/" + i + ".png"), 4, 4, i, 0, 0, "png");
        }
      }
    }
    DataSplits d = Datasets.open(root.toString(), null, 0.5, 0);
    assertThat(d.train().size()).isEqualTo(6);
    assertThat(d.test().size()).isEqualTo(2);
    assertThat(d.train().classes()).containsExactly("ant", "bee");
    assertThat(d.transforms()).isEqualTo(Datasets.transforms(root.toString(), 0));

    Files.createDirectories(root.resolve("val/cow"));
    TestFiles.rgbImage(root.resolve("val/cow/0.png"), 4, 4, 0, 0, 0, "png");
    assertThatThrownBy(() -> Datasets.open(root.toString(), null, 0.5, 0))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("differ");
  }

  @Test
  void oneFolderIsSplitStratifiedBySeed() throws IOException {
    for (String c : List.of("a", "b", "c")) {
      for (int i = 0; i < 10; i++) {
        TestFiles.rgbImage(root.resolve(c + "/" + i + ".png"), 2, 2, i, 0, 0, "png");
      }
    }
    DataSplits d = Datasets.open(root.toString(), null, 0.2, 7, 64);
    assertThat(d.train().classCounts()).containsExactly(8, 8, 8);
    assertThat(d.test().classCounts()).containsExactly(2, 2, 2);
    assertThat(d.transforms().size()).isEqualTo(64);
    assertThat(d.transforms().resize()).isEqualTo(73); // round(64 · 8/7)
    DataSplits again = Datasets.open(root.getFileName().toString(), root.getParent(), 0.2, 7);
    for (int i = 0; i < 6; i++) {
      assertThat(again.test().image(i)).isEqualTo(d.test().image(i));
    }
    // 3 classes × 10 images: a different seed picks different validation images.
    DataSplits other = Datasets.open(root.toString(), null, 0.2, 8);
    boolean differs = false;
    for (int i = 0; i < 6; i++) {
      differs |= !other.test().image(i).equals(d.test().image(i));
    }
    assertThat(differs).isTrue();
    assertThatThrownBy(() -> Datasets.open(root.toString(), null, 1.0, 7))
        .hasMessageContaining("validation fraction");
  }

  /**
   * Evaluation of any-size images against torchvision: Resize(256) (PIL bilinear, antialiased),
   * CenterCrop(224), ToTensor, Normalize. PIL rounds in fixed point, so a pixel may differ by one
   * level.
   */
  @Test
  void resizeAndCentreCropMatchTorchvision() throws Exception {
    PythonReference.assumeAvailable();
    int[][] sizes = {{300, 400}, {500, 333}, {256, 256}, {180, 90}, {1000, 1500}};
    List<Path> files = new java.util.ArrayList<>();
    for (int[] hw : sizes) {
      Path file = root.resolve(hw[0] + "x" + hw[1] + ".png");
      BufferedImage img = new BufferedImage(hw[1], hw[0], BufferedImage.TYPE_INT_RGB);
      SplittableRandom rng = new SplittableRandom(hw[0]);
      for (int y = 0; y < hw[0]; y++) {
        for (int x = 0; x < hw[1]; x++) {
          // Smooth gradients plus noise: resampling errors show.
          int r = (x * 255 / hw[1] + rng.nextInt(40)) & 0xFF;
          int g = (y * 255 / hw[0]) & 0xFF;
          int b = rng.nextInt(256);
          img.setRGB(x, y, r << 16 | g << 8 | b);
        }
      }
      ImageIO.write(img, "png", file.toFile());
      files.add(file);
    }
    runTorchvision(files);
    TransformSpec spec = Datasets.transforms("folder", 0);
    Transform eval = spec.eval();
    for (Path file : files) {
      float[] ours = new float[3 * 224 * 224];
      eval.apply(ImageFiles.read(file, 3), new SplittableRandom(0), ours, 0);
      float[] theirs = floats(Path.of(file + ".bin"));
      double worst = 0;
      double sum = 0;
      for (int i = 0; i < ours.length; i++) {
        double levels = Math.abs(ours[i] - theirs[i]) * 255 * spec.std()[i / (224 * 224)];
        worst = Math.max(worst, levels);
        sum += levels;
      }
      String name = file.getFileName().toString();
      assertThat(worst).as("max difference in pixel levels, %s", name).isLessThan(1.01);
      assertThat(sum / ours.length).as("mean difference in levels, %s", name).isLessThan(0.01);
    }
  }

  /** Writes torchvision's evaluation input of each image as float32 to {@code <image>.bin}. */
  private static void runTorchvision(List<Path> images) throws Exception {
    String script =
        "import sys, numpy as np\n"
            + "from PIL import Image\n"
            + "import torchvision.transforms as T\n"
            + "t = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),"
            + " T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])\n"
            + "for f in sys.argv[1:]:\n"
            + "    x = t(Image.open(f).convert('RGB')).numpy().astype('<f4')\n"
            + "    open(f + '.bin', 'wb').write(x.tobytes())\n";
    List<String> command =
        new java.util.ArrayList<>(List.of(PythonReference.PYTHON.toString(), "-c", script));
    images.forEach(p -> command.add(p.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(log).isZero();
  }

  private static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] f = new float[b.remaining() / 4];
    b.asFloatBuffer().get(f);
    return f;
  }
}
