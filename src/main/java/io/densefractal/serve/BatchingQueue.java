package io.densefractal.serve;

import io.densefractal.inference.ImageClassifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One model's dynamic batching: images wait in a bounded queue, and one worker thread runs them
 * together, up to {@code maxBatch} images or until the first has waited {@code maxDelayMs}.
 * Images are decoded and checked before they are queued, so a bad request never reaches (and never
 * fails) a batch. Images asking for different FractalNet columns run as separate forwards of the
 * same round, and so do embedding requests.
 */
final class BatchingQueue implements AutoCloseable {
  /**
   * One image's answer.
   *
   * @param values its logits, or its embedding
   * @param column the column that answered (null: the whole network)
   * @param batchSize images in the forward that computed it
   * @param forwardMs that forward's time
   */
  record Answer(float[] values, Integer column, int batchSize, double forwardMs) {}

  /** What a forward computes: logits of the whole network (option 0) or a column, or embeddings. */
  private static final int EMBEDDINGS = -1;

  private static final class Job {
    final float[] input;
    final int option;
    final long enqueuedNanos = System.nanoTime();
    final CompletableFuture<Answer> answer = new CompletableFuture<>();

    Job(float[] input, int option) {
      this.input = input;
      this.option = option;
    }
  }

  private final String model;
  private final ImageClassifier classifier;
  private final ModelConfig config;
  private final ColumnLatencies latencies;
  private final ServeMetrics metrics;
  private final LinkedBlockingQueue<Job> jobs = new LinkedBlockingQueue<>();
  /** Images queued and not yet taken by the worker: what the capacity bounds. */
  private final AtomicInteger queued = new AtomicInteger();
  /**
   * The same images by what they ask for: index = option (0 whole network, i column i), the last
   * slot embeddings. Deadline requests read it to foresee the rounds ahead of them.
   */
  private final AtomicIntegerArray queuedByOption;

  private final Thread worker;
  private volatile boolean accepting = true;
  private volatile boolean stopping;
  /** When the round in progress is expected to end (0: no round runs). */
  private volatile long busyUntilNanos;
  /** Forward time per image, a running mean over batches (0 until the first batch ran). */
  private volatile double perImageMs;
  private final long timeoutMs;

  BatchingQueue(
      String model,
      ImageClassifier classifier,
      ModelConfig config,
      ColumnLatencies latencies,
      ServeMetrics metrics,
      long timeoutMs) {
    this.model = model;
    this.timeoutMs = timeoutMs;
    this.classifier = classifier;
    this.config = config;
    this.latencies = latencies;
    this.metrics = metrics;
    this.queuedByOption = new AtomicIntegerArray((latencies == null ? 1 : latencies.options()) + 1);
    this.worker = new Thread(this::work, "batching-" + model);
    worker.setDaemon(true);
    worker.start();
  }

  /**
   * Queues {@code images} (each a preprocessed input) for {@code column} (null: whole network).
   *
   * @throws ApiError 503 with a Retry-After when the queue cannot take them all, or when the server
   *     is shutting down
   */
  List<CompletableFuture<Answer>> submit(List<float[]> images, Integer column) {
    return enqueue(images, column == null ? 0 : column);
  }

  /** Queues {@code images} for their embeddings, as {@link #submit} queues them for logits. */
  List<CompletableFuture<Answer>> submitEmbeddings(List<float[]> images) {
    return enqueue(images, EMBEDDINGS);
  }

  private List<CompletableFuture<Answer>> enqueue(List<float[]> images, int option) {
    if (!accepting) {
      throw new ApiError(503, "shutting_down", "the server is shutting down; retry elsewhere");
    }
    int n = images.size();
    while (true) {
      int now = queued.get();
      if (now + n > config.queue()) {
        throw new ApiError(
            503,
            "queue_full",
            model + "'s queue is full (" + now + " of " + config.queue() + " images); retry later",
            retryAfterSeconds(now),
            null);
      }
      // When the images ahead would outlast the request's timeout, it is refused now: a 503
      // the client can act on beats a 504 after the whole timeout.
      double waitMs = now * perImageMs;
      if (waitMs > timeoutMs) {
        throw new ApiError(
            503,
            "queue_full",
            String.format(
                java.util.Locale.ROOT,
                "%s's queue would take about %.1f s to reach this request, more than the %d ms"
                    + " timeout; retry later",
                model,
                waitMs / 1000,
                timeoutMs),
            retryAfterSeconds(now),
            null);
      }
      if (queued.compareAndSet(now, now + n)) {
        break;
      }
    }
    List<CompletableFuture<Answer>> answers = new ArrayList<>(n);
    for (float[] image : images) {
      Job job = new Job(image, option);
      answers.add(job.answer);
      queuedByOption.incrementAndGet(slot(option));
      jobs.add(job);
    }
    return answers;
  }

  /** Seconds until a queue this deep has likely drained (at least 1, at most 60). */
  private int retryAfterSeconds(int depth) {
    return (int) Math.max(1, Math.min(60, Math.ceil(depth * perImageMs / 1000)));
  }

  /** Images waiting. */
  int depth() {
    return queued.get();
  }

  /** The batch size an image queued now is likely to run in. */
  int likelyBatch() {
    return Math.max(1, Math.min(config.maxBatch(), queued.get() + 1));
  }

  /** How long the round already running has (by its estimate) still to go, in ms. */
  double busyMs() {
    long until = busyUntilNanos;
    return until == 0 ? 0 : Math.max(0, (until - System.nanoTime()) / 1e6);
  }

  /**
   * The expected time in ms from now until {@code images} queued now for {@code option} (0 whole
   * network, i column i) would be answered, given the round running and the images ahead.
   * Anytime networks only.
   */
  double answerMs(int option, int images) {
    int[] ahead = new int[queuedByOption.length()];
    for (int i = 0; i < ahead.length; i++) {
      ahead[i] = queuedByOption.get(i);
    }
    return AnswerForecast.answerMs(
        latencies, config.maxBatch(), config.maxDelayMs(), busyMs(), ahead, option, images);
  }

  private int slot(int option) {
    return option == EMBEDDINGS ? queuedByOption.length() - 1 : option;
  }

  private void work() {
    List<Job> batch = new ArrayList<>();
    while (true) {
      Job first;
      try {
        first = jobs.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        break;
      }
      if (first == null) {
        if (stopping) {
          break;
        }
        continue;
      }
      batch.add(first);
      long until = first.enqueuedNanos + TimeUnit.MILLISECONDS.toNanos(config.maxDelayMs());
      try {
        while (batch.size() < config.maxBatch()) {
          long left = until - System.nanoTime();
          Job next = left > 0 ? jobs.poll(left, TimeUnit.NANOSECONDS) : jobs.poll();
          if (next == null) {
            break;
          }
          batch.add(next);
        }
      } catch (InterruptedException e) {
        queued.addAndGet(-batch.size());
        for (Job job : batch) {
          queuedByOption.decrementAndGet(slot(job.option));
        }
        fail(batch);
        break;
      }
      Map<Integer, List<Job>> byColumn = new LinkedHashMap<>();
      for (Job job : batch) {
        // A request that timed out has given up: its image is not run.
        if (!job.answer.isDone()) {
          byColumn.computeIfAbsent(job.option, k -> new ArrayList<>()).add(job);
        }
      }
      // The round's end is known before its images leave the counts, so that a deadline request
      // arriving now sees them either queued or running, never neither.
      busyUntilNanos = System.nanoTime() + (long) (roundMs(byColumn.entrySet()) * 1e6);
      queued.addAndGet(-batch.size());
      for (Job job : batch) {
        queuedByOption.decrementAndGet(slot(job.option));
      }
      List<Map.Entry<Integer, List<Job>>> groups = new ArrayList<>(byColumn.entrySet());
      for (int g = 0; g < groups.size(); g++) {
        run(groups.get(g).getKey(), groups.get(g).getValue());
        if (g + 1 < groups.size()) {
          busyUntilNanos =
              System.nanoTime() + (long) (roundMs(groups.subList(g + 1, groups.size())) * 1e6);
        }
      }
      busyUntilNanos = 0;
      batch.clear();
    }
    List<Job> left = new ArrayList<>();
    jobs.drainTo(left);
    fail(left);
  }

  private void run(int option, List<Job> group) {
    int n = group.size();
    int per = group.get(0).input.length;
    float[] x = new float[n * per];
    for (int i = 0; i < n; i++) {
      System.arraycopy(group.get(i).input, 0, x, i * per, per);
    }
    boolean embed = option == EMBEDDINGS;
    Integer column = option <= 0 ? null : option;
    boolean timed = latencies != null && !embed;
    long t0 = System.nanoTime();
    float[] out;
    try {
      out = embed ? classifier.embeddings(x, n) : classifier.logits(x, n, column);
    } catch (RuntimeException e) {
      for (Job job : group) {
        job.answer.completeExceptionally(e);
      }
      return;
    }
    double ms = (System.nanoTime() - t0) / 1e6;
    perImageMs = perImageMs == 0 ? ms / n : 0.8 * perImageMs + 0.2 * ms / n;
    if (timed) {
      latencies.observe(option, n, ms);
    }
    String label = embed ? "embeddings" : column == null ? "all" : Integer.toString(column);
    metrics.batch(model, label, n, ms / 1e3, latencies != null && !embed);
    int width = out.length / n;
    for (int i = 0; i < n; i++) {
      float[] row = new float[width];
      System.arraycopy(out, i * width, row, 0, width);
      group.get(i).answer.complete(new Answer(row, column, n, ms));
    }
  }

  /** The expected time of these forwards (0 for a network without column latencies). */
  private double roundMs(java.util.Collection<Map.Entry<Integer, List<Job>>> groups) {
    if (latencies == null) {
      return 0;
    }
    double ms = 0;
    for (Map.Entry<Integer, List<Job>> g : groups) {
      int option = g.getKey() == EMBEDDINGS ? 0 : g.getKey();
      ms += latencies.cautiousMs(option, g.getValue().size());
    }
    return ms;
  }

  private static void fail(List<Job> jobs) {
    for (Job job : jobs) {
      job.answer.completeExceptionally(
          new ApiError(503, "shutting_down", "the server stopped before this image ran"));
    }
  }

  /** Stops taking images; the worker finishes those queued (up to {@code drainMs}), then ends. */
  void drain(long drainMs) {
    accepting = false;
    stopping = true;
    try {
      worker.join(Math.max(1, drainMs));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether everything queued was answered. */
  boolean drained() {
    return !worker.isAlive() && jobs.isEmpty();
  }

  @Override
  public void close() {
    accepting = false;
    stopping = true;
    worker.interrupt();
    try {
      worker.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
