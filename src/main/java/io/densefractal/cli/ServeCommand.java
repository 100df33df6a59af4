package io.densefractal.cli;

import io.densefractal.serve.InferenceServer;
import io.densefractal.serve.ModelConfig;
import io.densefractal.serve.ModelConfigFile;
import io.densefractal.serve.ServeConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: models over HTTP (KServe v2, an image endpoint, metrics, a web page). */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Serve models over HTTP: KServe v2 REST, POST /predictions/{name} and /embeddings/{name}",
      "(JPEG/PNG), /metrics, a web page at /. Requests are batched per model; SIGTERM drains",
      "the queues and exits 0.",
      "  serve --run runs/r20 --port 8080",
      "  serve -m resnet50 --pretrained --max-batch 16",
      "  serve --weights resnet50.onnx --engine onnxruntime --threads 2",
      "  serve --model-config models.json"
    })
final class ServeCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ModelSourceArgs modelSource;

  @CommandLine.Mixin EngineArgs engineArgs;

  @Option(names = "--name", description = "The name in URLs (default: the model's).")
  String name;

  @Option(
      names = "--model-config",
      description = "JSON file listing several models (see the README); may be repeated.")
  List<Path> modelConfigs = new ArrayList<>();

  @Option(names = "--host", description = "Address to listen on (default 127.0.0.1).")
  String host = "127.0.0.1";

  @Option(names = "--port", description = "Port (default 8080; 0 = any free port).")
  int port = 8080;

  @Option(names = "--max-batch", description = "Most images per forward (default 32; 1 = off).")
  int maxBatch = 32;

  @Option(names = "--max-delay-ms", description = "Longest wait for a batch to fill (default 5).")
  int maxDelayMs = 5;

  @Option(names = "--queue", description = "Most images waiting per model (default 256).")
  int queue = 256;

  @Option(names = "--max-body-mb", description = "Largest request body in MiB (default 16).")
  int maxBodyMb = 16;

  @Option(
      names = "--max-pixels",
      description = "Largest image, width x height, decoded (default 40000000).")
  long maxPixels = 40_000_000L;

  @Option(names = "--timeout-ms", description = "Per-request timeout (default 30000).")
  long timeoutMs = 30_000;

  @Option(names = "--drain-ms", description = "On SIGTERM, time to finish queued work (30000).")
  long drainMs = 30_000;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    usage(maxBodyMb >= 1 && maxBodyMb <= 1024, "--max-body-mb must be 1-1024, got " + maxBodyMb);
    usage(maxPixels >= 1, "--max-pixels must be at least 1, got " + maxPixels);
    usage(timeoutMs >= 1, "--timeout-ms must be at least 1, got " + timeoutMs);
    usage(drainMs >= 0, "--drain-ms must be at least 0, got " + drainMs);
    usage(port >= 0 && port <= 65535, "--port must be 0-65535, got " + port);
    boolean single = modelSource.given();
    usage(single || !modelConfigs.isEmpty(), "give a model (--run, --weights, -m --pretrained) or --model-config");
    int threads = engineArgs.threads(spec.commandLine());
    List<ModelConfig> models = new ArrayList<>();
    if (single) {
      models.add(
          new ModelConfig(
              name,
              modelSource.source(),
              maxBatch,
              maxDelayMs,
              queue,
              engineArgs.engine,
              threads));
    }
    for (Path file : modelConfigs) {
      models.addAll(ModelConfigFile.read(file, maxBatch, maxDelayMs, queue, engineArgs.engine, threads));
    }
    ServeConfig config =
        new ServeConfig(host, port, models, maxBodyMb * 1024L * 1024L, maxPixels, timeoutMs, drainMs);
    InferenceServer server = InferenceServer.start(config, out);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("stopping: finishing queued requests");
                  out.flush();
                  boolean drained = server.shutdown();
                  out.println(drained ? "stopped" : "stopped before every queued request ran");
                  out.flush();
                  stopped.countDown();
                  // A JVM ended by SIGTERM exits 143; a drained stop is a clean one.
                  Runtime.getRuntime().halt(drained ? 0 : 1);
                },
                "serve-shutdown"));
    out.printf(
        "serving %s on http://%s:%d/ (KServe v2 at /v2, metrics at /metrics)%n",
        String.join(", ", server.modelNames()), host, server.port());
    out.flush();
    stopped.await();
    return 0;
  }

  private void usage(boolean ok, String message) {
    if (!ok) {
      throw new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }
}
