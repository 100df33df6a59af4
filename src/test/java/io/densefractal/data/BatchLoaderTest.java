package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
  private static final TransformSpec FASHION = Datasets.transforms("fashion-mnist", 0);

  /** n Fashion-MNIST-sized images of random pixels, labels i mod 10. */
  private static ImageDataset images(int n) {
    byte[] px = new byte[n * 784];
    new SplittableRandom(1).nextBytes(px);
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % 10;
    }
    return new InMemoryDataset(1, 28, 28, px, labels, Datasets.FASHION_MNIST_CLASSES, "test");
  }

  private static int[] permutation(int n, long seed) {
    return Shuffle.permutation(n, seed);
  }

  private static List<Batch> all(BatchLoader loader) {
    List<Batch> out = new ArrayList<>();
    try (loader) {
      while (loader.hasNext()) {
        out.add(loader.next());
      }
    }
    return out;
  }

  @Test
  void batchesFollowTheOrderExactlyOnceAndTheLastIsSmaller() {
    ImageDataset data = images(103);
    int[] order = permutation(103, 4);
    Transform t = FASHION.train();
    List<Batch> batches = all(new BatchLoader(data, t, order, 10, 77, 1));
    assertThat(batches).hasSize(11);
    assertThat(batches.get(10).count()).isEqualTo(3);
    assertThat(batches.get(10).images()).hasSize(3 * 784);
    int p = 0;
    for (Batch b : batches) {
      assertThat(b.channels()).isEqualTo(1);
      assertThat(b.height()).isEqualTo(28);
      assertThat(b.width()).isEqualTo(28);
      for (int i = 0; i < b.count(); i++, p++) {
        assertThat(b.labels()[i]).isEqualTo(data.label(order[p]));
        float[] expected = new float[784];
        t.apply(data.image(order[p]), BatchLoader.sampleRandom(77, p), expected, 0);
        float[] actual = java.util.Arrays.copyOfRange(b.images(), i * 784, (i + 1) * 784);
        assertThat(actual).as("sample at position %d", p).isEqualTo(expected);
      }
    }
    assertThat(p).isEqualTo(103);
  }

  @Test
  void resultsDoNotDependOnWorkersOrTiming() throws InterruptedException {
    ImageDataset data = images(300);
    int[] order = permutation(300, 1);
    List<Batch> reference = all(new BatchLoader(data, FASHION.train(), order, 32, 5, 1));
    assertThat(all(new BatchLoader(data, FASHION.train(), order, 32, 5, 4))).isEqualTo(reference);
    List<Batch> slow = new ArrayList<>();
    try (BatchLoader loader = new BatchLoader(data, FASHION.train(), order, 32, 5, 3)) {
      while (loader.hasNext()) {
        Thread.sleep(5); // a slow consumer: the loader runs ahead and waits
        slow.add(loader.next());
      }
    }
    assertThat(slow).isEqualTo(reference);
    assertThat(all(new BatchLoader(data, FASHION.train(), order, 32, 6, 1)))
        .isNotEqualTo(reference);
  }

  @Test
  void closeStopsTheLoaderMidEpoch() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    ImageDataset slow = new CountingDataset(images(10_000), reads, 1);
    int[] order = permutation(10_000, 2);
    BatchLoader loader = new BatchLoader(slow, FASHION.train(), order, 16, 0, 2);
    assertThat(loader.next().count()).isEqualTo(16);
    long start = System.nanoTime();
    loader.close();
    assertThat((System.nanoTime() - start) / 1e6).as("close() in ms").isLessThan(1000);
    int afterClose = reads.get();
    Thread.sleep(100);
    assertThat(reads.get()).as("images read after close()").isLessThanOrEqualTo(afterClose + 2);
    assertThat(loader.hasNext()).isFalse();
    assertThatThrownBy(loader::next).isInstanceOf(NoSuchElementException.class);
    loader.close(); // twice is fine
  }

  @Test
  void closeWithoutReadingAnything() {
    BatchLoader loader = new BatchLoader(images(1000), FASHION.eval(), permutation(1000, 0), 8, 0);
    long start = System.nanoTime();
    loader.close();
    assertThat((System.nanoTime() - start) / 1e6).isLessThan(1000);
  }

  @Test
  void loaderErrorsReachTheConsumerAfterTheBatchesBeforeThem() {
    DatasetFormatException damaged = new DatasetFormatException("image 25 is damaged");
    ImageDataset data = new FailingDataset(images(100), 25, damaged);
    BatchLoader loader = new BatchLoader(data, FASHION.eval(), permutation(100, 0), 10, 0, 1);
    int[] order = permutation(100, 0);
    int failAt = 0;
    while (order[failAt] != 25) {
      failAt++;
    }
    for (int b = 0; b < failAt / 10; b++) {
      assertThat(loader.next().count()).isEqualTo(10);
    }
    assertThatThrownBy(loader::next).isSameAs(damaged);
    assertThat(loader.hasNext()).isFalse();
    loader.close();
  }

  @Test
  void otherErrorsAreWrappedWithTheBatch() {
    IllegalStateException bug = new IllegalStateException("bug");
    ImageDataset data = new FailingDataset(images(20), 0, bug);
    try (BatchLoader loader = new BatchLoader(data, FASHION.eval(), new int[] {1, 0}, 1, 0, 2)) {
      assertThat(loader.next().labels()).containsExactly(1);
      assertThatThrownBy(loader::next)
          .isInstanceOf(DenseFractalException.class)
          .hasMessageContaining("preparing batch 2")
          .hasMessageContaining("IllegalStateException: bug")
          .hasCause(bug);
    }
  }

  @Test
  void validatesItsArguments() {
    ImageDataset data = images(5);
    assertThatThrownBy(() -> new BatchLoader(data, FASHION.eval(), new int[] {0, 5}, 2, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("order[1] = 5");
    assertThatThrownBy(() -> new BatchLoader(data, FASHION.eval(), new int[] {0}, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    try (BatchLoader empty = new BatchLoader(data, FASHION.eval(), new int[0], 4, 0)) {
      assertThat(empty.hasNext()).isFalse();
    }
  }

  @Test
  void sampleRandomnessDependsOnSeedAndPosition() {
    long a = BatchLoader.sampleRandom(1, 0).nextLong();
    assertThat(BatchLoader.sampleRandom(1, 0).nextLong()).isEqualTo(a);
    assertThat(BatchLoader.sampleRandom(1, 1).nextLong()).isNotEqualTo(a);
    assertThat(BatchLoader.sampleRandom(2, 0).nextLong()).isNotEqualTo(a);
    // Neighbouring positions are not shifted copies of one stream.
    SplittableRandom p0 = BatchLoader.sampleRandom(1, 0);
    p0.nextLong();
    assertThat(p0.nextLong()).isNotEqualTo(BatchLoader.sampleRandom(1, 1).nextLong());
  }

  /** A batch of 128 Fashion-MNIST images must take well under 5 ms to prepare. */
  @Test
  void preparingABatchIsFast() {
    ImageDataset data = images(128 * 50);
    int[] order = permutation(data.size(), 3);
    all(new BatchLoader(data, FASHION.train(), order, 128, 0, 1)); // warm-up
    long start = System.nanoTime();
    List<Batch> batches = all(new BatchLoader(data, FASHION.train(), order, 128, 1, 1));
    double perBatchMs = (System.nanoTime() - start) / 1e6 / batches.size();
    assertThat(perBatchMs).as("ms per batch of 128 (one thread)").isLessThan(5);
  }

  /** A dataset that passes everything but {@code image} through to {@code base()}. */
  private interface ForwardingDataset extends ImageDataset {
    ImageDataset base();

    @Override
    default int size() {
      return base().size();
    }

    @Override
    default int label(int index) {
      return base().label(index);
    }

    @Override
    default List<String> classes() {
      return base().classes();
    }
  }

  /** Counts image reads and makes each one slow. */
  private record CountingDataset(ImageDataset base, AtomicInteger reads, long millis)
      implements ForwardingDataset {
    @Override
    public Image image(int index) {
      reads.incrementAndGet();
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return base.image(index);
    }
  }

  /** Throws {@code error} when image {@code bad} is read. */
  private record FailingDataset(ImageDataset base, int bad, RuntimeException error)
      implements ForwardingDataset {
    @Override
    public Image image(int index) {
      if (index == bad) {
        throw error;
      }
      return base.image(index);
    }
  }
}
