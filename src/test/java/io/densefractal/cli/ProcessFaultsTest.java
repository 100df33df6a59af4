package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.train.MetricsLog;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults that need a real process: requests larger than the machine refused with bounded memory
 * (peak RSS of a child JVM with a small heap), a Java heap too small, stdout on a full device, and
 * two processes on one run directory, the first killed with -9.
 */
class ProcessFaultsTest {
  /** A refused request must not grow the process past what starting the engine takes. */
  private static final long MAX_RSS_BYTES = 1_500L << 20;

  @TempDir Path dir;

  record Outcome(int code, String err, long peakRss, double seconds) {}

  private static List<String> java(String heap, String... args) {
    List<String> c = new ArrayList<>();
    c.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    c.add(heap);
    c.add("-Dai.djl.offline=true");
    c.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
    c.add("-cp");
    c.add(System.getProperty("java.class.path"));
    c.add(Main.class.getName());
    c.addAll(List.of(args));
    return c;
  }

  /** Runs the CLI in a child JVM, polling its peak resident memory until it exits. */
  private Outcome child(File stdout, String heap, String... args) throws Exception {
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(java(heap, args));
    pb.environment().put("TORCH_CPP_LOG_LEVEL", "ERROR");
    pb.redirectOutput(stdout);
    pb.redirectError(err.toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    long peak = 0;
    Path status = Path.of("/proc", String.valueOf(p.pid()), "status");
    while (!p.waitFor(20, TimeUnit.MILLISECONDS)) {
      peak = Math.max(peak, vmHwm(status));
      if (System.nanoTime() - t0 > 120e9) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + String.join(" ", args));
      }
    }
    return new Outcome(
        p.exitValue(),
        stderrWithoutEngineNoise(err),
        peak,
        (System.nanoTime() - t0) / 1e9);
  }

  // libtorch's own start-up warnings (NNPACK on this CPU) are not ours to print or to count.
  private static String stderrWithoutEngineNoise(Path err) throws IOException {
    return Files.readAllLines(err, StandardCharsets.UTF_8).stream()
            .filter(l -> !l.startsWith("[W") && !l.isBlank())
            .reduce((a, b) -> a + "\n" + b)
            .orElse("")
        + "\n";
  }

  private static long vmHwm(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // exited between polls
    }
    return 0;
  }

  private File devNull() {
    return new File("/dev/null");
  }

  @Test
  void requestsLargerThanTheMachineAreRefusedWithBoundedMemory() throws Exception {
    String[][] cases = {
      {"bench", "-m", "resnet20_cifar", "--batch", "2147483647"},
      {"summary", "resnet50", "--size", "1000000"},
      {"summary", "resnet20_cifar", "--num-classes", "2000000000"},
      {"train", "-m", "resnet20_cifar", "--data", "demo", "--image-size", "100000", "--out",
        dir.resolve("never").toString()},
    };
    for (String[] args : cases) {
      Outcome o = child(devNull(), "-Xmx256m", args);
      String what = String.join(" ", args) + ": " + o.err();
      assertThat(o.code()).as(what).isEqualTo(2);
      assertThat(o.err()).as(what).startsWith("error: ").contains("needs about").hasLineCount(1);
      assertThat(o.peakRss()).as(what).isPositive().isLessThan(MAX_RSS_BYTES);
    }
    assertThat(dir.resolve("never")).doesNotExist();
  }

  @Test
  void aJavaHeapTooSmallIsOneLineNotATrace() throws Exception {
    // 48 MB: refused before reading (the heap cannot hold bytes and floats); 30 MB: passes that
    // check and runs out of heap while reading, which is translated.
    for (int images : new int[] {400, 250}) {
      Path big = dir.resolve("big" + images + ".npy");
      Npy.write(
          Tensor.ofFloats(new long[] {images, 3, 100, 100}, new float[images * 3 * 100 * 100]), big);
      Outcome o =
          child(
              devNull(),
              "-Xmx64m",
              "infer", "-m", "resnet20_cifar", "--input", big.toString(), "--output",
              dir.resolve("y.npy").toString());
      assertThat(o.code()).as(o.err()).isEqualTo(1);
      assertThat(o.err()).startsWith("error: ").contains("-Xmx").hasLineCount(1);
      assertThat(o.err()).doesNotContain("OutOfMemoryError").doesNotContain("\tat ");
      assertThat(dir.resolve("y.npy")).doesNotExist();
    }
  }

  @Test
  void resultsThatCannotBeWrittenToStdoutFail() throws Exception {
    Outcome o = child(new File("/dev/full"), "-Xmx256m", "summary", "resnet20_cifar");
    assertThat(o.code()).as(o.err()).isEqualTo(1);
    assertThat(o.err()).contains("standard output").hasLineCount(1);
  }

  @Test
  void oneProcessPerRunDirectoryAndKillNineLeavesNothingToAppendTo() throws Exception {
    Path run = dir.resolve("run");
    List<String> first =
        java(
            "-Xmx1g",
            "train", "-m", "resnet20_cifar", "--data", "demo", "--limit-train", "128",
            "--limit-test", "32", "--batch-size", "32", "--epochs", "50", "--out", run.toString());
    Process a = new ProcessBuilder(first).redirectErrorStream(true).redirectOutput(devNull()).start();
    try {
      Path last = run.resolve("checkpoint-last.safetensors");
      long deadline = System.nanoTime() + (long) 120e9;
      while (!Files.exists(last) && a.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(last).as("the first process wrote its first checkpoint").exists();
      assertThat(a.isAlive()).isTrue();
      // Second process while the first trains: refused, naming the holder, nothing written.
      CliTest.Result resume = CliTest.run("train", "--resume", run.toString(), "--epochs", "50");
      assertThat(resume.code()).as(resume.err()).isEqualTo(1);
      assertThat(resume.err()).contains("in use").contains("pid " + a.pid()).hasLineCount(1);
      CliTest.Result other =
          CliTest.run(
              "train", "-m", "densenet_bc22_k12", "--data", "demo", "--limit-train", "64",
              "--limit-test", "32", "--out", run.toString());
      assertThat(other.code()).as(other.err()).isEqualTo(1);
    } finally {
      a.destroyForcibly(); // SIGKILL: no shutdown hook, no clean-up
      a.waitFor(30, TimeUnit.SECONDS);
    }
    // The dead process's lock is stale: resuming works, and its logs are cut back to the
    // checkpoint instead of being appended to.
    int done = epochs(run);
    CliTest.Result resumed =
        CliTest.run("train", "--resume", run.toString(), "--epochs", String.valueOf(done + 1));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    List<String> csv = Files.readAllLines(run.resolve(MetricsLog.CSV_FILE));
    assertThat(csv).hasSize(done + 2); // header + one row per epoch, none twice
    for (int e = 1; e <= done + 1; e++) {
      assertThat(csv.get(e)).startsWith(e + ",");
    }
    try (Stream<Path> files = Files.list(run)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")))
          .as("orphan temp files")
          .isEmpty();
    }
  }

  private static int epochs(Path run) {
    return io.densefractal.train.Checkpoint.read(run.resolve("checkpoint-last.safetensors"))
        .state()
        .epochsDone();
  }
}
