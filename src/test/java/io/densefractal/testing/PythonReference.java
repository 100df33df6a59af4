package io.densefractal.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the reference scripts under src/test/python with Debian's /usr/bin/python3 (torch 1.13,
 * torchvision 0.14). Where torch is missing, parity tests are skipped loudly, or fail when
 * DENSEFRACTAL_PARITY=required (as CI sets).
 */
public final class PythonReference {
  public static final Path PYTHON = Path.of("/usr/bin/python3");
  public static final Path SCRIPTS = Path.of("src", "test", "python");
  private static final String AVAILABILITY = probe();

  private PythonReference() {}

  private static String probe() {
    if (!Files.isExecutable(PYTHON)) {
      return PYTHON + " not found";
    }
    try {
      Process p =
          new ProcessBuilder(PYTHON.toString(), "-c", "import torch, torchvision, numpy")
              .redirectErrorStream(true)
              .start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return "torch/torchvision not importable: " + output.strip();
      }
      return null;
    } catch (IOException e) {
      return "cannot run " + PYTHON + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Skips (or, with DENSEFRACTAL_PARITY=required, fails) the calling test without torch. */
  public static void assumeAvailable() {
    if (AVAILABILITY == null) {
      return;
    }
    String message =
        "PARITY TEST NOT RUN: "
            + AVAILABILITY
            + " (apt-get install python3-torch python3-torchvision)";
    if ("required".equals(System.getenv("DENSEFRACTAL_PARITY"))) {
      fail(message + " and DENSEFRACTAL_PARITY=required");
    }
    System.err.println("!!! " + message);
    Assumptions.abort(message);
  }

  /** Runs {@code script args...}; fails the test with the script's output if it fails. */
  public static void run(String script, String... args) {
    assumeAvailable();
    List<String> command =
        new ArrayList<>(List.of(PYTHON.toString(), SCRIPTS.resolve(script).toString()));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(15, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("timed out: " + String.join(" ", command));
      }
      if (p.exitValue() != 0) {
        fail("reference script failed: " + String.join(" ", command) + "\n" + output);
      }
    } catch (IOException e) {
      fail("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
  }
}
