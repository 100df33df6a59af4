package io.densefractal.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one JVM, as in
 * tests, must not share counters).
 */
final class ServeMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter requests;
  private final Histogram latency;
  private final Histogram batchSize;
  private final Histogram forward;
  private final Counter columns;

  ServeMetrics() {
    requests =
        Counter.builder()
            .name("densefractal_requests_total")
            .help("HTTP requests by model, endpoint and status code")
            .labelNames("model", "endpoint", "status")
            .register(registry);
    latency =
        Histogram.builder()
            .name("densefractal_request_duration_seconds")
            .help("Time from a request's arrival to its answer")
            .labelNames("model", "endpoint")
            .classicOnly()
            .classicUpperBounds(
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    batchSize =
        Histogram.builder()
            .name("densefractal_batch_size")
            .help("Images per forward the batching queue ran")
            .labelNames("model")
            .classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256)
            .register(registry);
    forward =
        Histogram.builder()
            .name("densefractal_forward_duration_seconds")
            .help("Time of one batched forward, by model and column")
            .labelNames("model", "column")
            .classicOnly()
            .classicUpperBounds(
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    columns =
        Counter.builder()
            .name("densefractal_column_answers_total")
            .help("Images answered per FractalNet column (\"all\" = the whole network)")
            .labelNames("model", "column")
            .register(registry);
  }

  /** Registers the queue-depth gauge, read from the queues when scraped. */
  void queueDepth(Map<String, BatchingQueue> queues) {
    GaugeWithCallback.builder()
        .name("densefractal_queue_depth")
        .help("Images waiting in a model's batching queue")
        .labelNames("model")
        .callback(
            cb -> queues.forEach((name, queue) -> cb.call(queue.depth(), name)))
        .register(registry);
  }

  void request(String model, String endpoint, int status, double seconds) {
    requests.labelValues(model, endpoint, Integer.toString(status)).inc();
    latency.labelValues(model, endpoint).observe(seconds);
  }

  void batch(String model, String column, int size, double seconds, boolean anytime) {
    batchSize.labelValues(model).observe(size);
    forward.labelValues(model, column).observe(seconds);
    if (anytime) {
      columns.labelValues(model, column).inc(size);
    }
  }

  String contentType() {
    return writer.getContentType();
  }

  byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
