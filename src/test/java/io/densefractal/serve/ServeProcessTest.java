package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.picture;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code densefractal serve} as a real process: SIGTERM drains what is queued, then exit 0. */
class ServeProcessTest {
  @TempDir Path dir;

  @Test
  void sigtermFinishesQueuedRequestsAndExitsZero() throws Exception {
    Path weights = ServeTesting.randomWeights("resnet20_cifar", 28, dir.resolve("r20.safetensors"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // A long batching delay keeps the requests queued when the signal arrives.
    ProcessBuilder pb =
        new ProcessBuilder(
                java, "-Xmx1g", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"),
                "io.densefractal.cli.Main", "serve",
                "--weights", weights.toString(), "--name", "r20", "--port", "0",
                "--max-batch", "64", "--max-delay-ms", "3000")
            .redirectErrorStream(true);
    pb.environment().put("TORCH_CPP_LOG_LEVEL", "ERROR");
    Process process = pb.start();
    List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Integer> port = new CompletableFuture<>();
    Pattern serving = Pattern.compile("serving r20 on http://127\\.0\\.0\\.1:(\\d+)/.*");
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  output.add(line);
                  Matcher m = serving.matcher(line);
                  if (m.matches()) {
                    port.complete(Integer.parseInt(m.group(1)));
                  }
                }
              } catch (java.io.IOException ignored) {
                // the process ended
              }
              port.completeExceptionally(new AssertionError("no port in " + output));
            });
    reader.start();
    try {
      int p = port.get(120, TimeUnit.SECONDS);
      byte[] png = encode(picture(28, 28, 9), "png");
      List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        queued.add(
            ServeTesting.HTTP.sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/predictions/r20"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(png))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      AtomicInteger tries = new AtomicInteger();
      while (!ServeTesting.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/metrics")).build())
          .body()
          .contains("densefractal_queue_depth{model=\"r20\"} 6.0")) {
        assertThat(tries.incrementAndGet()).as("6 requests queued").isLessThan(2000);
        Thread.sleep(1);
      }
      // kill(1), not Process.destroy(): destroy also closes our end of the process's output.
      assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor())
          .isZero();
      for (CompletableFuture<HttpResponse<String>> r : queued) {
        HttpResponse<String> answer = r.get(60, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("\"batch_size\":6");
      }
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(String.join("\n", output)).isZero();
      reader.join(5_000);
      assertThat(reader.isAlive()).isFalse();
      assertThat(output).as(String.join("\n", output)).contains("stopping: finishing queued requests", "stopped");
    } finally {
      process.destroyForcibly();
    }
  }
}
