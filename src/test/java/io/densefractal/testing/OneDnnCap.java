package io.densefractal.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * Where the build capped oneDNN at SSE4.1 (AMD Zen 5 hosts, docs/PLATFORMS.md), training-mode
 * gradients of libtorch 2.7.1 and of the PyTorch 1.13 reference go through different oneDNN GEMM
 * paths, and the reference itself moves by percents between ISAs there: a gradient comparison
 * against it says nothing about our code. Eval-mode parity still runs on such hosts.
 */
public final class OneDnnCap {
  private OneDnnCap() {}

  /** Whether this test JVM runs with oneDNN capped (the pom sets the variable from /proc/cpuinfo). */
  public static boolean capped() {
    return "SSE41".equals(System.getenv("ONEDNN_MAX_CPU_ISA"));
  }

  /** Skips a gradient parity test on a capped host, loudly. */
  public static void requireUncappedForGradientParity(String test) {
    if (capped()) {
      System.err.println(
          "SKIPPED "
              + test
              + ": oneDNN is capped at SSE4.1 on this CPU (docs/PLATFORMS.md); gradient parity with"
              + " PyTorch 1.13 is not meaningful here");
    }
    Assumptions.assumeFalse(
        capped(), test + ": gradient parity is not meaningful with oneDNN capped (PLATFORMS.md)");
  }
}
