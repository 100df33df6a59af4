package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.picture;
import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.data.Datasets;
import io.densefractal.data.TransformSpec;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Queue limits, timeouts and draining over HTTP, with a classifier whose forwards wait for the test
 * to let them run (so the queue's state is known, not raced).
 */
class BackpressureTest {
  /** Logits = each image's mean times (class + 1); forwards block until {@link #open}. */
  static final class GatedClassifier implements ImageClassifier {
    final CountDownLatch gate = new CountDownLatch(1);
    final AtomicInteger forwards = new AtomicInteger();
    final List<Integer> batchSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Time every forward after the warm-up takes, once the gate is open. */
    volatile long sleepMs;
    private final TransformSpec transforms = Datasets.transforms("demo", 0);

    void open() {
      gate.countDown();
    }

    @Override
    public String name() {
      return "gated";
    }

    @Override
    public String engine() {
      return "test";
    }

    @Override
    public List<String> classes() {
      return Datasets.FASHION_MNIST_CLASSES;
    }

    @Override
    public TransformSpec transforms() {
      return transforms;
    }

    @Override
    public int columns() {
      return 0;
    }

    @Override
    public int embeddingSize() {
      throw new UnsupportedOperationException("this test classifier gives no embeddings");
    }

    @Override
    public float[] embeddings(float[] images, int n) {
      throw new UnsupportedOperationException("this test classifier gives no embeddings");
    }

    @Override
    public float[] logits(float[] images, int n, Integer column) {
      int call = forwards.incrementAndGet();
      if (call > 1) { // the server's warm-up forward passes straight through
        batchSizes.add(n);
        try {
          gate.await(30, TimeUnit.SECONDS);
          Thread.sleep(sleepMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      int per = images.length / n;
      float[] out = new float[n * 10];
      for (int i = 0; i < n; i++) {
        double sum = 0;
        for (int j = 0; j < per; j++) {
          sum += images[i * per + j];
        }
        for (int c = 0; c < 10; c++) {
          out[i * 10 + c] = (float) (sum / per * (c + 1));
        }
      }
      return out;
    }

    @Override
    public void close() {}
  }

  private static InferenceServer start(GatedClassifier c, int maxBatch, int queue, long timeoutMs) {
    ServeConfig config =
        new ServeConfig(
            "127.0.0.1",
            0,
            List.of(new ModelConfig("g", ModelSource.ofWeights(Path.of("unused")), maxBatch, 0, queue)),
            1 << 20,
            4_000_000,
            timeoutMs,
            10_000);
    return InferenceServer.start(config, new PrintWriter(new StringWriter()), m -> c);
  }

  private static CompletableFuture<HttpResponse<String>> send(InferenceServer s, byte[] png) {
    return ServeTesting.HTTP.sendAsync(
        HttpRequest.newBuilder(ServeTesting.uri(s, "/predictions/g"))
            .POST(HttpRequest.BodyPublishers.ofByteArray(png))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Waits for the first forward to start (and block); returns its batch size. */
  private static int awaitForward(GatedClassifier c) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (c.batchSizes.isEmpty()) {
      if (System.nanoTime() > until) {
        throw new AssertionError("no forward started");
      }
      Thread.sleep(5);
    }
    return c.batchSizes.get(0);
  }

  private static void awaitDepth(InferenceServer s, int depth) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < until) {
      if (ServeTesting.get(s, "/metrics").body().contains("densefractal_queue_depth{model=\"g\"} " + depth + ".0")) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the queue never held " + depth + " images");
  }

  @Test
  void aFullQueueAnswers503WithRetryAfterAndServiceResumes() throws Exception {
    GatedClassifier c = new GatedClassifier();
    InferenceServer s = start(c, 2, 4, 20_000);
    try {
      byte[] png = encode(picture(28, 28, 3), "png");
      List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
      // Two sent; once a forward runs (blocked), the queue is topped up to its four places.
      for (int i = 0; i < 2; i++) {
        accepted.add(send(s, png));
      }
      int running = awaitForward(c);
      for (int i = 0; i < 2 + running; i++) {
        accepted.add(send(s, png));
      }
      awaitDepth(s, 4);
      HttpResponse<String> refused = send(s, png).join();
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.headers().firstValue("Retry-After")).isPresent();
      assertThat(refused.body()).contains("\"code\":\"queue_full\"");

      c.open();
      for (CompletableFuture<HttpResponse<String>> r : accepted) {
        assertThat(r.join().statusCode()).isEqualTo(200);
      }
      assertThat(send(s, png).join().statusCode()).as("served again once the load drops").isEqualTo(200);
      assertThat(c.batchSizes).allMatch(n -> n <= 2).contains(2);
      assertThat(ServeTesting.get(s, "/metrics").body())
          .contains("densefractal_requests_total{endpoint=\"predictions\",model=\"g\",status=\"503\"} 1.0");
    } finally {
      c.open();
      s.shutdown();
    }
  }

  @Test
  void aRequestThatWaitsTooLongTimesOutAndIsNotRun() throws Exception {
    GatedClassifier c = new GatedClassifier();
    InferenceServer s = start(c, 1, 8, 300);
    try {
      byte[] png = encode(picture(28, 28, 4), "png");
      CompletableFuture<HttpResponse<String>> first = send(s, png);
      CompletableFuture<HttpResponse<String>> second = send(s, png);
      assertThat(first.join().statusCode()).isEqualTo(504);
      HttpResponse<String> late = second.join();
      assertThat(late.statusCode()).isEqualTo(504);
      assertThat(late.body()).contains("\"code\":\"timeout\"");
      c.open();
      assertThat(send(s, png).join().statusCode()).isEqualTo(200);
      // The first was already running; the second, given up while queued, never ran.
      assertThat(c.batchSizes).hasSize(2);
    } finally {
      c.open();
      s.shutdown();
    }
  }

  @Test
  void aQueueThatWouldOutlastTheTimeoutRefusesAtOnce() throws Exception {
    GatedClassifier c = new GatedClassifier();
    c.sleepMs = 200;
    c.open();
    InferenceServer s = start(c, 1, 64, 500);
    try {
      byte[] png = encode(picture(28, 28, 6), "png");
      assertThat(send(s, png).join().statusCode()).isEqualTo(200); // 200 ms per image, measured
      List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        burst.add(send(s, png));
      }
      int refused = 0;
      for (int i = 0; i < burst.size(); i++) {
        HttpResponse<String> r = burst.get(i).join();
        if (r.statusCode() == 503) {
          refused++;
          assertThat(r.body()).contains("\"code\":\"queue_full\"", "timeout");
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
        } else {
          assertThat(r.statusCode()).isIn(200, 504);
        }
      }
      // Eight images at 200 ms each cannot all start within 500 ms: the later ones are refused.
      assertThat(refused).isGreaterThanOrEqualTo(2);
      Thread.sleep(1_000);
      assertThat(send(s, png).join().statusCode()).as("served again once the queue drained").isEqualTo(200);
    } finally {
      s.shutdown();
    }
  }

  @Test
  void shutdownAnswersEverythingQueuedThenRefuses() throws Exception {
    GatedClassifier c = new GatedClassifier();
    InferenceServer s = start(c, 2, 16, 20_000);
    byte[] png = encode(picture(28, 28, 5), "png");
    List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      queued.add(send(s, png));
    }
    awaitDepth(s, 6 - awaitForward(c));
    CompletableFuture<Boolean> stopping = CompletableFuture.supplyAsync(s::shutdown);
    Thread.sleep(100);
    c.open();
    assertThat(stopping.get(20, TimeUnit.SECONDS)).as("drained").isTrue();
    for (CompletableFuture<HttpResponse<String>> r : queued) {
      assertThat(r.join().statusCode()).isEqualTo(200);
    }
  }
}
