package io.densefractal.weights;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs /usr/bin/python3 snippets for cross-checks against the reference implementations. */
public final class PythonRunner {
  /** Debian's python3 with torch 1.13; -Ddensefractal.python=... points elsewhere. */
  public static final Path PYTHON =
      Path.of(System.getProperty("densefractal.python", "/usr/bin/python3"));

  private static final long TIMEOUT_SECONDS = 120;

  /** What a run printed and how it ended. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private PythonRunner() {}

  /** Whether python3 exists and can {@code import <module>}. */
  public static boolean canImport(String module) {
    if (!Files.isExecutable(PYTHON)) {
      return false;
    }
    try {
      return run("import " + module).exitCode() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  public static Result run(String script, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    try {
      // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
      var err = new java.util.concurrent.CompletableFuture<String>();
      Thread drain =
          new Thread(
              () -> {
                try {
                  err.complete(
                      new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                  err.complete("<stderr unreadable: " + e + ">");
                }
              });
      drain.start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("python timed out after " + TIMEOUT_SECONDS + " s");
      }
      drain.join();
      return new Result(p.exitValue(), out, err.join());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted", e);
    }
  }
}
