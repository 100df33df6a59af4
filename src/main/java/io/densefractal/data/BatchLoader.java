package io.densefractal.data;

import io.densefractal.DenseFractalException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Prepares batches on a background thread, {@value #AHEAD} ahead, so that the engine never waits on
 * decoding or augmentation. The randomness of the sample at position p of {@code order} comes from
 * {@link #sampleRandom(long, int) (seed, p)} alone, and each sample has its own place in its batch,
 * so the batches do not depend on thread timing or the number of workers.
 *
 * <p>A failure on the loader thread is rethrown by {@link #next()}: a {@link DenseFractalException}
 * as it is, anything else wrapped in one that says which batch failed. {@link #close()} stops the
 * thread, also in the middle of a pass.
 */
public final class BatchLoader implements Iterator<Batch>, AutoCloseable {
  private static final int AHEAD = 2;
  private static final long JOIN_MILLIS = 2000;
  private static final Object END = new Object();

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(AHEAD);
  private final int batches;
  private final Thread producer;
  private final ExecutorService pool;
  private int delivered;
  private boolean failed;
  private volatile boolean closed;

  /** What the loader thread threw while preparing a batch. */
  private record Failure(Throwable error, int batch, int from, int to) {}

  /**
   * Starts preparing batches with {@link #defaultWorkers()} threads.
   *
   * @param order dataset indices in visiting order; the last batch may be smaller
   * @param seed augmentation seed of this pass
   */
  public BatchLoader(
      ImageDataset data, Transform transform, int[] order, int batchSize, long seed) {
    this(data, transform, order, batchSize, seed, defaultWorkers());
  }

  /**
   * Starts preparing batches.
   *
   * @param workers threads that transform the samples of a batch in parallel (1 = the loader thread
   *     alone); worth it for image folders, where decoding dominates
   */
  public BatchLoader(
      ImageDataset data, Transform transform, int[] order, int batchSize, long seed, int workers) {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(transform, "transform");
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1, got " + workers);
    }
    int[] visit = order.clone();
    for (int i = 0; i < visit.length; i++) {
      if (visit[i] < 0 || visit[i] >= data.size()) {
        throw new IllegalArgumentException(
            "order[" + i + "] = " + visit[i] + " is not an index of " + data.size() + " images");
      }
    }
    this.batches = (int) ((visit.length + (long) batchSize - 1) / batchSize);
    this.pool = workers > 1 ? Executors.newFixedThreadPool(workers - 1, BatchLoader::daemon) : null;
    this.producer =
        daemon(() -> produce(new Job(data, transform, visit, batchSize, seed, workers)));
    producer.setName("densefractal-batches");
    producer.start();
  }

  /** Half the cores, at most 4: enough to keep decoding ahead of the engine. */
  public static int defaultWorkers() {
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
  }

  /** The generator of the sample at {@code position} in the order of a pass seeded {@code seed}. */
  public static SplittableRandom sampleRandom(long seed, int position) {
    // Hashing both keeps neighbouring positions (and seeds) from giving shifted copies of one
    // stream, which SplittableRandom(seed + k) would.
    return new SplittableRandom(mix64(mix64(seed) + position * 0x9E3779B97F4A7C15L));
  }

  /**
   * The batch of the samples {@code indices}, where sample i stands at position {@code
   * firstPosition + i} of its pass's order: the same images, labels and augmentation as the batch
   * a loader over that whole order delivers (a data-parallel worker assembles its shard of a global
   * batch with this, without the rest of the order).
   */
  public static Batch assemble(
      ImageDataset data, Transform transform, int[] indices, int firstPosition, long seed) {
    int per = transform.channels() * transform.size() * transform.size();
    int n = indices.length;
    float[] images = new float[Math.multiplyExact(n, per)];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int index = indices[i];
      if (index < 0 || index >= data.size()) {
        throw new IllegalArgumentException(
            "index " + index + " is not an index of " + data.size() + " images");
      }
      transform.apply(data.image(index), sampleRandom(seed, firstPosition + i), images, i * per);
      labels[i] = data.label(index);
    }
    return new Batch(images, labels, n, transform.channels(), transform.size(), transform.size());
  }

  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static Thread daemon(Runnable r) {
    Thread t = new Thread(r, "densefractal-batch-worker");
    t.setDaemon(true);
    return t;
  }

  /** Everything the loader thread needs. */
  private record Job(
      ImageDataset data, Transform transform, int[] order, int batchSize, long seed, int workers) {}

  private void produce(Job job) {
    int per = job.transform.channels() * job.transform.size() * job.transform.size();
    int batch = 0;
    int from = 0;
    try {
      for (; batch < batches && !closed; batch++) {
        from = batch * job.batchSize;
        int n = Math.min(job.batchSize, job.order.length - from);
        float[] images = new float[Math.multiplyExact(n, per)];
        int[] labels = new int[n];
        fill(job, from, n, per, images, labels);
        queue.put(
            new Batch(
                images,
                labels,
                n,
                job.transform.channels(),
                job.transform.size(),
                job.transform.size()));
      }
      queue.put(END);
    } catch (InterruptedException e) {
      // close(): just stop.
    } catch (Throwable e) { // everything, so that the consumer never waits for ever
      int to = Math.min(from + job.batchSize, job.order.length);
      try {
        // Behind the batches before it, so the consumer gets those first.
        queue.put(new Failure(e, batch, from, to));
      } catch (InterruptedException closing) {
        // close(): nobody is waiting for it.
      }
    } finally {
      if (pool != null) {
        pool.shutdownNow();
      }
    }
  }

  /** Transforms samples [from, from + n) of the order, split into one chunk per worker. */
  private void fill(Job job, int from, int n, int per, float[] images, int[] labels)
      throws InterruptedException, ExecutionException {
    int chunks = Math.min(job.workers, n);
    if (chunks <= 1) {
      transform(job, from, 0, n, per, images, labels);
      return;
    }
    List<Future<?>> pending = new ArrayList<>();
    int step = (n + chunks - 1) / chunks;
    for (int start = step; start < n; start += step) {
      int lo = start;
      int hi = Math.min(n, start + step);
      Callable<Void> task =
          () -> {
            transform(job, from, lo, hi, per, images, labels);
            return null;
          };
      pending.add(pool.submit(task));
    }
    transform(job, from, 0, Math.min(step, n), per, images, labels);
    for (Future<?> f : pending) {
      f.get();
    }
  }

  private void transform(Job job, int from, int lo, int hi, int per, float[] images, int[] labels) {
    for (int i = lo; i < hi && !closed; i++) {
      int p = from + i;
      int index = job.order[p];
      job.transform.apply(job.data.image(index), sampleRandom(job.seed, p), images, i * per);
      labels[i] = job.data.label(index);
    }
  }

  /** Whether another batch (or the failure that stopped the loader) is coming. */
  @Override
  public boolean hasNext() {
    return !closed && !failed && delivered < batches;
  }

  /**
   * The next batch, waiting for it if it is not ready.
   *
   * @throws DenseFractalException when preparing it failed
   */
  @Override
  public Batch next() {
    if (!hasNext()) {
      throw new NoSuchElementException(closed ? "the batch loader is closed" : "no more batches");
    }
    Object o;
    try {
      o = queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DenseFractalException("interrupted while waiting for a batch", e);
    }
    if (o instanceof Failure f) {
      failed = true;
      throw rethrown(f);
    }
    if (o == END) {
      throw new IllegalStateException("the loader ended after " + delivered + " of " + batches);
    }
    delivered++;
    return (Batch) o;
  }

  private static DenseFractalException rethrown(Failure f) {
    Throwable e =
        f.error instanceof ExecutionException && f.error.getCause() != null
            ? f.error.getCause()
            : f.error;
    if (e instanceof DenseFractalException d) {
      return d;
    }
    return new DenseFractalException(
        "preparing batch "
            + (f.batch + 1)
            + " (samples "
            + f.from
            + ".."
            + (f.to - 1)
            + " of the order) failed: "
            + e,
        e);
  }

  /** Stops the loader thread (also mid-pass) and waits briefly for it to end. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    producer.interrupt();
    if (pool != null) {
      pool.shutdownNow();
    }
    queue.clear(); // lets a producer blocked on a full queue go
    try {
      // A sample being decoded finishes first; the loop checks `closed` before the next one.
      producer.join(JOIN_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.clear();
  }
}
