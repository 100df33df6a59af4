package io.densefractal.compare;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.densefractal.DenseFractalException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code densefractal bench --json} in a fresh JVM: peak resident memory is per process, so a
 * model's number must not include what earlier models of the comparison left behind.
 */
final class BenchProcess {
  private static final long TIMEOUT_MINUTES = 30;

  private BenchProcess() {}

  /** The bench result as JSON ({@code median_ms}, {@code peak_rss_mb}, ...). */
  static JsonObject run(List<String> benchArgs) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("-Dai.djl.offline=true");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("io.densefractal.cli.Main");
    command.add("bench");
    command.addAll(benchArgs);
    command.add("--json");
    try {
      // One merged stream (no pipe can fill up unread); the JSON object is the last line.
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] stdout = p.getInputStream().readAllBytes();
      if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new DenseFractalException("bench " + String.join(" ", benchArgs) + " timed out");
      }
      String out = new String(stdout, StandardCharsets.UTF_8).strip();
      String last = out.lines().reduce((a, b) -> b).orElse("");
      if (p.exitValue() != 0 || !last.startsWith("{")) {
        throw new DenseFractalException(
            "bench "
                + String.join(" ", benchArgs)
                + " failed (exit "
                + p.exitValue()
                + "): "
                + last);
      }
      return JsonParser.parseString(last).getAsJsonObject();
    } catch (IOException e) {
      throw new DenseFractalException("cannot start a benchmark process: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DenseFractalException("interrupted while benchmarking", e);
    }
  }
}
