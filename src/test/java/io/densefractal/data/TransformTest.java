package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformTest {
  private static final TransformSpec FASHION = Datasets.transforms("fashion-mnist", 0);
  private static final TransformSpec CIFAR = Datasets.transforms("cifar10", 0);

  private static Image image(int channels, int h, int w, int seed) {
    byte[] px = new byte[channels * h * w];
    new SplittableRandom(seed).nextBytes(px);
    return new Image(channels, h, w, px);
  }

  private static float[] apply(Transform t, Image img, long seed) {
    float[] out = new float[t.channels() * t.size() * t.size()];
    t.apply(img, new SplittableRandom(seed), out, 0);
    return out;
  }

  /** ToTensor + Normalize of the whole image, as torchvision computes it in float32. */
  private static float[] normalised(Image img, TransformSpec spec) {
    float[] out = new float[img.pixels().length];
    int plane = img.height() * img.width();
    for (int i = 0; i < out.length; i++) {
      int c = i / plane;
      out[i] = ((img.pixels()[i] & 0xFF) / 255f - spec.mean()[c]) / spec.std()[c];
    }
    return out;
  }

  /**
   * Every output the training transform may give: the crop at each offset in [0, 2p]² of the
   * zero-padded image, flipped or not (no flip when the spec has none).
   */
  private static List<float[]> candidates(Image img, TransformSpec spec) {
    int p = spec.padding();
    int s = spec.size();
    int plane = img.height() * img.width();
    List<float[]> all = new ArrayList<>();
    for (int dy = 0; dy <= 2 * p; dy++) {
      for (int dx = 0; dx <= 2 * p; dx++) {
        for (boolean flip : spec.horizontalFlip() ? new boolean[] {false, true} : new boolean[1]) {
          float[] out = new float[spec.channels() * s * s];
          for (int c = 0; c < spec.channels(); c++) {
            float pad = (0f / 255f - spec.mean()[c]) / spec.std()[c];
            for (int y = 0; y < s; y++) {
              for (int x = 0; x < s; x++) {
                int sy = y + dy - p;
                int sx = (flip ? s - 1 - x : x) + dx - p;
                boolean inside = sy >= 0 && sy < img.height() && sx >= 0 && sx < img.width();
                int v = inside ? img.pixels()[c * plane + sy * img.width() + sx] & 0xFF : -1;
                out[(c * s + y) * s + x] =
                    inside ? (v / 255f - spec.mean()[c]) / spec.std()[c] : pad;
              }
            }
          }
          all.add(out);
        }
      }
    }
    return all;
  }

  @Test
  void evalIsPlainNormalisationForFixedSizeDatasets() {
    for (TransformSpec spec : List.of(FASHION, CIFAR, Datasets.transforms("mnist", 0))) {
      Image img = image(spec.channels(), spec.size(), spec.size(), 3);
      assertThat(apply(spec.eval(), img, 1)).isEqualTo(normalised(img, spec));
      assertThat(apply(spec.eval(), img, 2)).isEqualTo(normalised(img, spec));
    }
  }

  @Test
  void handComputedValues() {
    byte[] px = new byte[28 * 28];
    px[0] = (byte) 255;
    px[1] = (byte) 128;
    float[] out = apply(FASHION.eval(), new Image(1, 28, 28, px), 0);
    assertThat(out[0]).isCloseTo((1f - 0.2860f) / 0.3530f, within(1e-6f)); // 2.0226629
    assertThat(out[1]).isCloseTo((128 / 255f - 0.2860f) / 0.3530f, within(1e-6f)); // 0.6117
    assertThat(out[2]).isCloseTo(-0.2860f / 0.3530f, within(1e-6f)); // -0.8101983
    float[] red = apply(CIFAR.eval(), new Image(3, 32, 32, filled(3 * 32 * 32, 51)), 0);
    assertThat(red[0]).isCloseTo((0.2f - 0.4914f) / 0.2470f, within(1e-6f));
    assertThat(red[2 * 1024]).isCloseTo((0.2f - 0.4465f) / 0.2616f, within(1e-6f));
  }

  @Test
  void trainingCropPadsWithZerosBeforeNormalising() {
    // Predict the draws: row offset, column offset (each in [0, 2p]), then the flip.
    Image img = image(1, 28, 28, 5);
    for (long seed = 0; seed < 50; seed++) {
      SplittableRandom draws = new SplittableRandom(seed);
      int dy = draws.nextInt(5);
      int dx = draws.nextInt(5);
      boolean flip = draws.nextBoolean();
      float[] out = apply(FASHION.train(), img, seed);
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int sy = y + dy - 2;
          int sx = (flip ? 27 - x : x) + dx - 2;
          int v = sy < 0 || sy >= 28 || sx < 0 || sx >= 28 ? 0 : img.at(0, sy, sx);
          assertThat(out[y * 28 + x]).isEqualTo((v / 255f - 0.2860f) / 0.3530f);
        }
      }
    }
  }

  @Test
  void trainingGivesEveryCropAndFlipAndNothingElse() {
    for (TransformSpec spec : List.of(FASHION, CIFAR, Datasets.transforms("mnist", 0))) {
      Image img = image(spec.channels(), spec.size(), spec.size(), 11);
      List<float[]> candidates = candidates(img, spec);
      Set<Integer> seen = new HashSet<>();
      for (long seed = 0; seed < 3000; seed++) {
        float[] out = apply(spec.train(), img, seed);
        int match = -1;
        for (int i = 0; i < candidates.size() && match < 0; i++) {
          if (Arrays.equals(out, candidates.get(i))) {
            match = i;
          }
        }
        assertThat(match).as("seed %d gives one of the crops", seed).isNotNegative();
        seen.add(match);
      }
      int p = spec.padding();
      int expected = (2 * p + 1) * (2 * p + 1) * (spec.horizontalFlip() ? 2 : 1);
      assertThat(seen).as("crops seen for %s", spec).hasSize(expected);
    }
  }

  @Test
  void flipHappensAboutHalfTheTime() {
    TransformSpec flipOnly = new TransformSpec(1, 4, new float[] {0}, new float[] {1}, 0, true, 0);
    Image img = new Image(1, 4, 4, new byte[] {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4});
    int flipped = 0;
    for (long seed = 0; seed < 2000; seed++) {
      float[] out = apply(flipOnly.train(), img, seed);
      assertThat(out[0]).isIn(1 / 255f, 4 / 255f);
      flipped += out[0] == 4 / 255f ? 1 : 0;
    }
    assertThat(flipped).isBetween(900, 1100);
  }

  @Test
  void sameSeedSameOutputOtherSeedOtherOutput() {
    Image img = image(3, 32, 32, 7);
    Transform t = CIFAR.train();
    assertThat(apply(t, img, 42)).isEqualTo(apply(CIFAR.train(), img, 42));
    Set<String> distinct = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      distinct.add(Arrays.toString(apply(t, img, seed)));
    }
    assertThat(distinct.size()).isGreaterThan(10);
  }

  @Test
  void writesOnlyItsSliceAtTheOffset() {
    Transform t = FASHION.eval();
    float[] out = new float[3 * 784];
    Arrays.fill(out, Float.NaN);
    t.apply(image(1, 28, 28, 1), new SplittableRandom(0), out, 784);
    assertThat(Arrays.copyOfRange(out, 0, 784)).containsOnly(Float.NaN);
    assertThat(Arrays.copyOfRange(out, 784, 1568)).doesNotContain(Float.NaN);
    assertThat(Arrays.copyOfRange(out, 1568, 2352)).containsOnly(Float.NaN);
  }

  @Test
  void largerSizePadsFixedSizeImagesInTheCentre() {
    TransformSpec spec = FASHION.withSize(32);
    assertThat(spec.size()).isEqualTo(32);
    assertThat(spec.resize()).isZero();
    Image img = new Image(1, 28, 28, filled(784, 255));
    float[] out = apply(spec.eval(), img, 0);
    float pad = -0.2860f / 0.3530f;
    float white = (1f - 0.2860f) / 0.3530f;
    assertThat(out[0]).isEqualTo(pad);
    assertThat(out[2 * 32 + 2]).isEqualTo(white);
    assertThat(out[29 * 32 + 29]).isEqualTo(white);
    assertThat(out[30 * 32 + 30]).isEqualTo(pad);
    // Training crops move at most 2 pixels from the centre, so the image stays wholly inside.
    for (long seed = 0; seed < 200; seed++) {
      float[] train = apply(spec.train(), img, seed);
      long whites = 0;
      for (float v : train) {
        whites += v == white ? 1 : 0;
      }
      assertThat(whites).isEqualTo(784);
    }
  }

  @Test
  void anySizeImagesAreResizedThenCropped() {
    TransformSpec spec = Datasets.transforms("/some/folder", 0);
    assertThat(spec.size()).isEqualTo(224);
    assertThat(spec.resize()).isEqualTo(256);
    assertThat(spec.padding()).isZero();
    Image grey = new Image(3, 300, 400, filled(3 * 300 * 400, 100));
    for (Transform t : List.of(spec.train(), spec.eval())) {
      float[] out = apply(t, grey, 9);
      assertThat(out).hasSize(3 * 224 * 224);
      for (int c = 0; c < 3; c++) {
        float expected = (100 / 255f - spec.mean()[c]) / spec.std()[c];
        for (int i = c * 224 * 224; i < (c + 1) * 224 * 224; i++) {
          assertThat(out[i]).isEqualTo(expected);
        }
      }
    }
    TransformSpec small = spec.withSize(112);
    assertThat(small.resize()).isEqualTo(128);
    assertThat(apply(small.train(), grey, 1)).hasSize(3 * 112 * 112);
  }

  @Test
  void centreCropRoundsHalfToEvenLikeTorchvision() {
    assertThat(StandardTransform.centreOffset(341, 224)).isEqualTo(58); // round(58.5) = 58
    assertThat(StandardTransform.centreOffset(343, 224)).isEqualTo(60); // round(59.5) = 60
    assertThat(StandardTransform.centreOffset(256, 224)).isEqualTo(16);
    assertThat(StandardTransform.centreOffset(28, 32)).isEqualTo(-2);
    assertThat(StandardTransform.centreOffset(27, 32)).isEqualTo(-2); // 2 before, 3 after
  }

  @Test
  void channelsAreConverted() {
    TransformSpec rgb = CIFAR;
    Image grey = image(1, 32, 32, 4);
    float[] out = apply(rgb.eval(), grey, 0);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 1024; i++) {
        int v = grey.pixels()[i] & 0xFF;
        assertThat(out[c * 1024 + i]).isEqualTo((v / 255f - rgb.mean()[c]) / rgb.std()[c]);
      }
    }
    TransformSpec mono = new TransformSpec(1, 1, new float[] {0}, new float[] {1}, 0, false, 0);
    Image colour = new Image(3, 1, 1, new byte[] {(byte) 200, 100, 50});
    // PIL: L = 200·0.299 + 100·0.587 + 50·0.114 = 124.2 → 124
    assertThat(apply(mono.eval(), colour, 0)[0]).isEqualTo(124 / 255f);
  }

  @Test
  void specValidatesAndCompares() {
    assertThatThrownBy(
            () -> new TransformSpec(3, 32, new float[] {0}, new float[] {1}, 0, false, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("one value per channel");
    assertThatThrownBy(
            () -> new TransformSpec(1, 32, new float[] {0}, new float[] {0}, 0, false, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("std positive");
    assertThatThrownBy(
            () -> new TransformSpec(1, 224, new float[] {0}, new float[] {1}, 0, false, 200))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Datasets.transforms("fashion-mnist", 0)).isEqualTo(FASHION);
    assertThat(FASHION).isNotEqualTo(Datasets.transforms("mnist", 0));
    assertThat(FASHION.hashCode()).isEqualTo(Datasets.transforms("demo", 0).hashCode());
    FASHION.mean()[0] = 9; // accessors hand out copies
    assertThat(FASHION.mean()[0]).isEqualTo(0.2860f);
  }

  @Test
  void smallerImagesArePaddedAndBadShapesRejected() {
    // Padded up to the size in the centre first (as withSize does), so the crop still fits.
    float[] out = apply(FASHION.train(), image(1, 20, 20, 0), 0);
    assertThat(out).hasSize(784);
    assertThatThrownBy(() -> new Image(1, 2, 2, new byte[3]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 4 bytes");
  }

  private static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
