package io.densefractal.quantize;

import io.densefractal.UsageException;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.Shuffle;
import io.densefractal.data.Transform;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * The images activation ranges are measured on: {@code count} images of a training split drawn
 * without replacement (a fixed seed, so an export is repeatable), passed through the model's
 * evaluation transform, handed out in batches. Nothing is held beyond one batch.
 *
 * @param description what the images are, for the file's metadata ({@code fashion-mnist training
 *     split})
 */
public record CalibrationImages(
    ImageDataset images, Transform transform, int count, int batch, String description) {

  /** The draw's seed: the same export twice calibrates on the same images. */
  static final long SEED = 0;

  /**
   * Checks the request against the data.
   *
   * @throws UsageException when the data holds fewer images than asked for
   */
  public CalibrationImages {
    if (count < 1) {
      throw new UsageException("--calibration-images must be at least 1, got " + count);
    }
    if (images.size() < count) {
      throw new UsageException(
          "the calibration data (" + description + ") has " + images.size()
              + " images, fewer than --calibration-images " + count
              + "; give more data or ask for fewer images");
    }
    batch = Math.max(1, Math.min(batch, count));
  }

  /** Calls {@code each} with (normalised images (n, C, H, W), n) for every batch, in order. */
  void forEach(BiConsumer<float[], Integer> each) {
    int[] order = Arrays.copyOf(Shuffle.permutation(images.size(), SEED), count);
    int per = transform.channels() * transform.size() * transform.size();
    SplittableRandom unused = new SplittableRandom(SEED); // the eval transform draws nothing
    for (int start = 0; start < count; start += batch) {
      int n = Math.min(batch, count - start);
      float[] x = new float[n * per];
      for (int i = 0; i < n; i++) {
        transform.apply(images.image(order[start + i]), unused, x, i * per);
      }
      each.accept(x, n);
    }
  }
}
