package io.densefractal.serve;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.densefractal.DenseFractalException;
import io.densefractal.data.DatasetFormatException;
import io.densefractal.data.Image;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.TopK;
import io.densefractal.onnx.OnnxClassifier;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The HTTP server of {@code densefractal serve}: the Open Inference Protocol (KServe v2 REST), an
 * image endpoint answering top-k, Prometheus metrics and a web page, over one batching queue per
 * model. Javalin (on Jetty 12) does the HTTP: routing, multipart, limits and a stop that lets
 * running requests finish.
 */
public final class InferenceServer implements AutoCloseable {
  private static final Gson GSON = new GsonBuilder().serializeNulls().create();
  private static final String MODEL = "model";
  private static final String ENDPOINT = "endpoint";
  private static final String STARTED = "started";

  private final ServeConfig config;
  private final Map<String, ServedModel> models;
  private final ServeMetrics metrics;
  private final RequestBodies bodies;
  private final Javalin app;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean draining;

  private InferenceServer(ServeConfig config, Map<String, ServedModel> models, ServeMetrics metrics) {
    this.config = config;
    this.models = models;
    this.metrics = metrics;
    this.bodies = new RequestBodies(config.maxBodyBytes());
    this.app = Javalin.create(this::configure);
  }

  /**
   * Opens every model (measuring FractalNet column latencies), then listens.
   *
   * @param log where start-up progress goes
   */
  public static InferenceServer start(ServeConfig config, PrintWriter log) {
    return start(config, log, InferenceServer::open);
  }

  /**
   * The classifier a model's configuration names. ONNX Runtime on weights that are no ONNX file
   * exports them at start-up (each FractalNet column too), where the CLI's other commands ask for
   * an exported file: a server starts once and answers for long, so the export pays.
   */
  static ImageClassifier open(ModelConfig m) {
    Engine engine = m.engine() != null ? m.engine() : Classifiers.defaultEngine(m.source());
    int threads = m.threads();
    if (engine == Engine.ONNXRUNTIME && !OnnxClassifier.isOnnxFile(m.source().weights())) {
      return ExportedOnnxClassifier.open(m.source(), threads);
    }
    return Classifiers.open(m.source(), engine, threads);
  }

  /** As {@link #start(ServeConfig, PrintWriter)}, with the classifiers opened by {@code opener}. */
  static InferenceServer start(
      ServeConfig config, PrintWriter log, Function<ModelConfig, ImageClassifier> opener) {
    ServeMetrics metrics = new ServeMetrics();
    Map<String, ServedModel> models = new LinkedHashMap<>();
    Map<String, BatchingQueue> queues = new LinkedHashMap<>();
    try {
      for (ModelConfig m : config.models()) {
        ImageClassifier classifier = opener.apply(m);
        String name = m.name() != null ? m.name() : classifier.name();
        if (models.containsKey(name)) {
          classifier.close();
          throw new DenseFractalException(
              "two models are named '" + name + "'; give each a different --name");
        }
        ColumnLatencies latencies = null;
        long t0 = System.nanoTime();
        if (classifier.columns() > 0) {
          latencies = ColumnLatencies.measure(classifier, m.maxBatch());
        } else {
          // The first forward of a shape sets up its kernels: not a user's request's cost.
          classifier.logits(new float[imageValues(classifier)], 1, null);
        }
        BatchingQueue queue = new BatchingQueue(name, classifier, m, latencies, metrics, config.timeoutMs());
        models.put(name, new ServedModel(name, classifier, m, queue, latencies));
        queues.put(name, queue);
        log.printf(
            "loaded %s (%s, %s, %d classes%s) in %.1f s%n",
            name,
            classifier.name(),
            classifier.engine(),
            classifier.classes().size(),
            latencies == null ? "" : ", " + classifier.columns() + " columns timed",
            (System.nanoTime() - t0) / 1e9);
        log.flush();
      }
    } catch (RuntimeException e) {
      models.values().forEach(s -> closeModel(s));
      throw e;
    }
    metrics.queueDepth(queues);
    InferenceServer server = new InferenceServer(config, models, metrics);
    try {
      InetAddress.getByName(config.host());
      server.app.start(config.host(), config.port());
    } catch (UnknownHostException | RuntimeException e) {
      models.values().forEach(s -> closeModel(s));
      throw new DenseFractalException(
          "cannot listen on " + config.host() + ":" + config.port() + ": " + bindFailure(e), e);
    }
    return server;
  }

  // Javalin reports every bind failure as a port in use; the socket's own exception says what
  // really happened (an address that is not this machine's, a port below 1024, ...).
  private static String bindFailure(Exception e) {
    if (e instanceof UnknownHostException) {
      return "not an address or known host name; use 127.0.0.1, 0.0.0.0 or one of this machine's"
          + " addresses";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException || t instanceof java.net.SocketException) {
        return t.getMessage();
      }
    }
    return e.getMessage();
  }

  private static int imageValues(ImageClassifier c) {
    return c.transforms().channels() * c.transforms().size() * c.transforms().size();
  }

  /** The port it listens on (the chosen one when 0 was asked). */
  public int port() {
    return app.port();
  }

  /** The served models' names. */
  public List<String> modelNames() {
    return List.copyOf(models.keySet());
  }

  private void configure(io.javalin.config.JavalinConfig c) {
    c.startup.showJavalinBanner = false;
    c.startup.showOldJavalinVersionWarning = false;
    c.http.maxRequestSize = config.maxBodyBytes();
    // A request waits for its answer on a Jetty thread. With fewer threads than the queues hold,
    // an overload fills the threads before the queues: later requests then wait unseen in Jetty's
    // own job queue instead of getting a 503 with Retry-After (seen once the forward got faster
    // than the wait bound could notice, docs/BENCHMARKS.md). Enough threads for every queued
    // image, plus some for requests that do not queue, let the queues' bounds speak first.
    c.jetty.threadPool =
        new org.eclipse.jetty.util.thread.QueuedThreadPool(
            requestThreads(config), 8, 60_000);
    c.jetty.multipartConfig.maxFileSize(config.maxBodyBytes(), SizeUnit.BYTES);
    c.jetty.multipartConfig.maxTotalRequestSize(config.maxBodyBytes(), SizeUnit.BYTES);
    c.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, config.maxBodyBytes()), SizeUnit.BYTES);
    c.requestLogger.http(this::finished);
    var r = c.routes;
    r.before(
        ctx -> {
          inFlight.incrementAndGet();
          ctx.attribute(STARTED, System.nanoTime());
        });
    r.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page()));
    r.get("/metrics", ctx -> ctx.contentType(metrics.contentType()).result(metrics.scrape()));
    r.get("/models", ctx -> json(ctx, 200, modelList()));
    r.get("/v2", ctx -> json(ctx, 200, Map.of("name", "densefractal", "version", version(), "extensions", List.of())));
    r.get("/v2/health/live", ctx -> json(ctx, 200, Map.of("live", true)));
    r.get(
        "/v2/health/ready",
        ctx -> json(ctx, draining ? 503 : 200, Map.of("ready", !draining)));
    r.get("/v2/models/{name}", ctx -> json(ctx, 200, metadata(model(ctx, "metadata"))));
    r.get(
        "/v2/models/{name}/ready",
        ctx -> {
          ServedModel m = model(ctx, "ready");
          json(ctx, draining ? 503 : 200, Map.of("name", m.name(), "ready", !draining));
        });
    r.post("/v2/models/{name}/infer", this::infer);
    r.post("/predictions/{name}", this::predict);
    r.post("/embeddings/{name}", this::embed);
    r.exception(ApiError.class, this::error);
    r.exception(
        Exception.class,
        (e, ctx) ->
            error(
                new ApiError(
                    500, "internal", "internal error: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e),
                ctx));
    r.error(
        404,
        "*",
        ctx -> {
          if (ctx.attribute("error") == null) {
            error(new ApiError(404, "not_found", "no endpoint " + ctx.method() + " " + ctx.path() + "; see GET /v2 and /models"), ctx);
          }
        });
    r.error(
        405,
        "*",
        ctx -> {
          if (ctx.attribute("error") == null) {
            error(new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()), ctx);
          }
        });
  }

  /** Most Jetty threads: one per image the queues hold, 64 more, at least Jetty's usual 250. */
  static int requestThreads(ServeConfig config) {
    long images = 0;
    for (ModelConfig m : config.models()) {
      images += m.queue();
    }
    return (int) Math.min(MAX_REQUEST_THREADS, Math.max(250, images + 64));
  }

  /** Beyond this many threads a larger --queue is bounded by the threads instead. */
  private static final int MAX_REQUEST_THREADS = 4096;

  /** Counts a finished request (called once the response is written). */
  private void finished(Context ctx, Float ms) {
    inFlight.decrementAndGet();
    String endpoint = ctx.attribute(ENDPOINT);
    if (endpoint != null) {
      Long started = ctx.attribute(STARTED);
      double seconds = started == null ? ms / 1e3 : (System.nanoTime() - started) / 1e9;
      metrics.request(ctx.attribute(MODEL), endpoint, ctx.statusCode(), seconds);
    }
  }

  private ServedModel model(Context ctx, String endpoint) {
    ctx.attribute(ENDPOINT, endpoint);
    String name = ctx.pathParam("name");
    ServedModel m = models.get(name);
    // Unknown names are counted under one label: clients cannot grow the metrics without bound.
    ctx.attribute(MODEL, m == null ? "unknown" : name);
    if (m == null) {
      throw new ApiError(
          404, "unknown_model", "no model named '" + name + "'; served: " + String.join(", ", models.keySet()));
    }
    return m;
  }

  private void predict(Context ctx) {
    long start = ctx.attribute(STARTED);
    ServedModel m = model(ctx, "predictions");
    refuseWhileDraining();
    int top = RequestParameters.intParam(ctx, "top", 5, 1, m.classifier().classes().size());
    Integer column = RequestParameters.columnParam(m, ctx.queryParam("column"));
    Double deadline = RequestParameters.deadlineParam(ctx);
    byte[] bytes = bodies.imageBytes(ctx);
    Image image = decode(m, bytes);
    float[] x = m.classifier().preprocess(image);
    Route route = route(m, column, deadline, 1, start);
    BatchingQueue.Answer a = await(m.queue().submit(List.of(x), route.column()), start).get(0);
    List<ClassScore> scores = TopK.of(a.values(), m.classifier().classes(), top).get(0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", m.name());
    out.put("engine", m.classifier().engine());
    List<Map<String, Object>> predictions = new ArrayList<>();
    for (ClassScore s : scores) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("class", s.name());
      p.put("index", s.index());
      p.put("probability", s.probability());
      predictions.add(p);
    }
    out.put("predictions", predictions);
    describe(out, m, route, a, start);
    json(ctx, 200, out);
  }

  /** The image's embedding: the pooled features the classifier head reads. */
  private void embed(Context ctx) {
    long start = ctx.attribute(STARTED);
    ServedModel m = model(ctx, "embeddings");
    refuseWhileDraining();
    int size;
    try {
      size = m.classifier().embeddingSize();
    } catch (DenseFractalException e) {
      throw new ApiError(400, "no_embeddings", e.getMessage(), e);
    }
    float[] x = m.classifier().preprocess(decode(m, bodies.imageBytes(ctx)));
    BatchingQueue.Answer a = await(m.queue().submitEmbeddings(List.of(x)), start).get(0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model", m.name());
    out.put("engine", m.classifier().engine());
    out.put("size", size);
    out.put("embedding", a.values());
    out.put("batch_size", a.batchSize());
    out.put("forward_ms", round(a.forwardMs()));
    out.put("latency_ms", round((System.nanoTime() - start) / 1e6));
    json(ctx, 200, out);
  }

  private Image decode(ServedModel m, byte[] bytes) {
    try {
      return ImageFiles.read(
          bytes, "in the request", m.classifier().transforms().channels(), config.maxPixels());
    } catch (DatasetFormatException e) {
      throw imageError(e, bytes.length);
    }
  }

  private void infer(Context ctx) {
    long start = ctx.attribute(STARTED);
    ServedModel m = model(ctx, "infer");
    refuseWhileDraining();
    V2Request req = V2Request.parse(bodies.body(ctx), m.classifier().transforms(), m.config().queue());
    Integer column = RequestParameters.columnParam(m, req.column() == null ? ctx.queryParam("column") : req.column().toString());
    Double deadline = req.deadlineMs() != null ? req.deadlineMs() : RequestParameters.deadlineParam(ctx);
    RequestParameters.checkDeadline(deadline);
    Route route = route(m, column, deadline, req.images().size(), start);
    List<BatchingQueue.Answer> answers = await(m.queue().submit(req.images(), route.column()), start);
    int classes = m.classifier().classes().size();
    float[] logits = new float[answers.size() * classes];
    for (int i = 0; i < answers.size(); i++) {
      System.arraycopy(answers.get(i).values(), 0, logits, i * classes, classes);
    }
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("name", "logits");
    output.put("datatype", "FP32");
    output.put("shape", List.of(answers.size(), classes));
    output.put("data", logits);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("model_name", m.name());
    out.put("model_version", "1");
    if (req.id() != null) {
      out.put("id", req.id());
    }
    Map<String, Object> parameters = new LinkedHashMap<>();
    describe(parameters, m, route, answers.get(0), start);
    out.put("parameters", parameters);
    out.put("outputs", List.of(output));
    json(ctx, 200, out);
  }

  /**
   * The decoder's failure in a client's words (its messages speak of files in a folder): a size
   * refused from the header alone is 413, anything else 400.
   */
  private static ApiError imageError(DatasetFormatException e, int length) {
    String m = String.valueOf(e.getMessage());
    if (length == 0) {
      return new ApiError(400, "bad_image", "the body is empty; send the bytes of a JPEG or PNG image");
    }
    if (m.contains("pixels, more than")) {
      return new ApiError(413, "image_too_large", m.replace("image in the request", "the image"), e);
    }
    if (m.contains("not a JPEG or PNG")) {
      return new ApiError(
          400, "bad_image", "the body is not a JPEG or PNG image (" + length + " bytes); send the image's bytes", e);
    }
    return new ApiError(
        400,
        "bad_image",
        "the image cannot be decoded, it is damaged or truncated (" + length + " bytes); send the whole file",
        e);
  }

  /** Which column answers, and whether the deadline was expected to be met. */
  private record Route(Integer column, Double deadlineMs, ColumnLatencies.Choice choice) {}

  /**
   * The column a request runs: the one asked for, or for a deadline the deepest whose answer is
   * expected in time. The budget is the deadline less what the request has already spent (body,
   * decoding); the expected answer counts the round running, the images queued ahead and the
   * batch the request will join.
   */
  private Route route(ServedModel m, Integer column, Double deadline, int images, long start) {
    RequestParameters.checkDeadline(deadline);
    if (column != null && deadline != null) {
      throw new ApiError(400, "bad_parameter", "give column or deadline_ms, not both");
    }
    if (deadline == null || m.latencies() == null) {
      return new Route(column, deadline, null);
    }
    BatchingQueue q = m.queue();
    double spent = (System.nanoTime() - start) / 1e6;
    ColumnLatencies.Choice choice =
        m.latencies().choose(deadline, o -> spent + q.answerMs(o, images));
    return new Route(choice.column(), deadline, choice);
  }

  private static void describe(Map<String, Object> out, ServedModel m, Route route, BatchingQueue.Answer a, long start) {
    out.put("column", a.column());
    out.put("columns", m.columns());
    out.put("batch_size", a.batchSize());
    out.put("forward_ms", round(a.forwardMs()));
    double latency = (System.nanoTime() - start) / 1e6;
    out.put("latency_ms", round(latency));
    if (route.deadlineMs() != null) {
      out.put("deadline_ms", route.deadlineMs());
      out.put("deadline_met", latency <= route.deadlineMs());
      if (route.choice() != null) {
        out.put("expected_ms", round(route.choice().expectedMs()));
        // No column was expected to make it: the fastest answered, and the answer says so.
        out.put("deadline_feasible", route.choice().met());
      }
    }
  }

  private static double round(double ms) {
    return Math.round(ms * 100) / 100.0;
  }

  private List<BatchingQueue.Answer> await(List<CompletableFuture<BatchingQueue.Answer>> futures, long start) {
    long left = config.timeoutMs() - (System.nanoTime() - start) / 1_000_000;
    try {
      CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(Math.max(1, left), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      futures.forEach(f -> f.cancel(false));
      throw new ApiError(504, "timeout", "no answer within " + config.timeoutMs() + " ms; the server is overloaded, retry later");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ApiError api) {
        throw api;
      }
      throw new ApiError(500, "inference_failed", "inference failed: " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ApiError(503, "shutting_down", "the server is shutting down");
    }
    List<BatchingQueue.Answer> answers = new ArrayList<>(futures.size());
    futures.forEach(f -> answers.add(f.join()));
    return answers;
  }

  private void refuseWhileDraining() {
    if (draining) {
      throw new ApiError(503, "shutting_down", "the server is shutting down; retry elsewhere");
    }
  }

  private void error(ApiError e, Context ctx) {
    ctx.attribute("error", e.code());
    if (e.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.getMessage());
    body.put("code", e.code());
    json(ctx, e.status(), body);
  }

  private static void json(Context ctx, int status, Object body) {
    ctx.status(status).contentType("application/json").result(GSON.toJson(body));
  }

  private List<Map<String, Object>> modelList() {
    List<Map<String, Object>> list = new ArrayList<>();
    for (ServedModel m : models.values()) {
      list.add(metadata(m));
    }
    return list;
  }

  private Map<String, Object> metadata(ServedModel m) {
    var t = m.classifier().transforms();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", m.name());
    out.put("versions", List.of("1"));
    out.put("platform", m.classifier().engine());
    out.put(
        "inputs",
        List.of(Map.of("name", "input", "datatype", "FP32", "shape", List.of(-1, t.channels(), t.size(), t.size()))));
    out.put(
        "outputs",
        List.of(Map.of("name", "logits", "datatype", "FP32", "shape", List.of(-1, m.classifier().classes().size()))));
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("architecture", m.classifier().name());
    parameters.put("columns", m.columns());
    parameters.put("classes", m.classifier().classes());
    parameters.put("max_batch", m.config().maxBatch());
    parameters.put("max_delay_ms", m.config().maxDelayMs());
    parameters.put("queue", m.config().queue());
    if (m.latencies() != null) {
      Map<String, Double> latency = new LinkedHashMap<>();
      for (int o = 0; o < m.latencies().options(); o++) {
        latency.put(o == 0 ? "all" : Integer.toString(o), round(m.latencies().expectedMs(o, 1)));
      }
      parameters.put("latency_ms_batch1", latency);
    }
    out.put("parameters", parameters);
    return out;
  }

  private static String version() {
    String v = InferenceServer.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static byte[] page() throws IOException {
    try (InputStream in = InferenceServer.class.getResourceAsStream("index.html")) {
      if (in == null) {
        throw new IOException("the web page is missing from the jar");
      }
      return in.readAllBytes();
    }
  }

  /**
   * Stops gracefully: readiness goes false and new requests are refused with 503, every queued
   * image is run and answered (up to the drain time), then the listener closes and the models are
   * released.
   *
   * @return whether everything queued was answered in time
   */
  public boolean shutdown() {
    draining = true;
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.drainMs());
    boolean drained = true;
    for (ServedModel m : models.values()) {
      m.queue().drain(Math.max(1, (until - System.nanoTime()) / 1_000_000));
      drained &= m.queue().drained();
    }
    // Answers computed: let their responses be written before the listener closes.
    while (inFlight.get() > 0 && System.nanoTime() < until) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    drained &= inFlight.get() == 0;
    app.stop();
    models.values().forEach(InferenceServer::closeModel);
    return drained;
  }

  private static void closeModel(ServedModel m) {
    m.queue().close();
    m.classifier().close();
  }

  @Override
  public void close() {
    shutdown();
  }
}
