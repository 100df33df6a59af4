package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk (a tmpfs of a few hundred KiB, where the test may mount one; skipped loudly
 * elsewhere): a checkpoint that cannot be written takes its epoch out of the metrics, and every
 * failed write is one line with nothing half-written left behind.
 */
class DiskFullTest {
  @TempDir Path dir;
  private Path mounted;

  private Path tmpfs(String size) throws Exception {
    Path point = Files.createDirectories(dir.resolve("full-" + size));
    Process p =
        new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", point.toString())
            .redirectErrorStream(true)
            .start();
    boolean ok = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
    if (!ok) {
      System.err.println("!!! DISK-FULL TEST NOT RUN: cannot mount a tmpfs here (needs root)");
    }
    Assumptions.assumeTrue(ok, "cannot mount a tmpfs");
    mounted = point;
    return point;
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      new ProcessBuilder("umount", mounted.toString()).start().waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCheckpointThatCannotBeWrittenLeavesNoEpochInTheMetrics() throws Exception {
    Path full = tmpfs("1536k"); // the metrics fit, resnet20_cifar's 2.2 MB checkpoint does not
    Path run = full.resolve("run");
    CliTest.Result r =
        CliTest.run(
            "train", "-m", "resnet20_cifar", "--data", "demo", "--limit-train", "64",
            "--limit-test", "32", "--batch-size", "32", "--epochs", "2", "--out", run.toString());
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: ").contains("No space left").hasLineCount(1);
    assertThat(r.err()).doesNotContainPattern("\\b[A-Z][A-Za-z]*(Exception|Error)\\b");
    List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
    assertThat(metrics).hasSize(1); // the header: epoch 1 has no checkpoint, so no row
    assertThat(Files.readAllLines(run.resolve("steps.csv"))).hasSize(1);
    assertThat(leftovers(run)).isEmpty();
  }

  @Test
  void aPlotOrWeightsOntoAFullDiskIsOneLineAndNoFile() throws Exception {
    Path weights = dir.resolve("w.pth");
    CliTest.writeRandomWeights(weights);
    Path full = tmpfs("8k");
    CliTest.Result export =
        CliTest.run(
            "import", "-m", "resnet20_cifar", "--in-channels", "1", "--from", weights.toString(),
            "--to", full.resolve("w.safetensors").toString());
    assertThat(export.code()).as(export.err()).isEqualTo(1);
    assertThat(export.err()).contains("No space left").hasLineCount(1);
    assertThat(leftovers(full)).isEmpty();
  }

  private static List<String> leftovers(Path d) throws IOException {
    try (Stream<Path> files = Files.list(d)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".tmp") || n.endsWith(".safetensors") || n.endsWith(".pth"))
          .toList();
    }
  }
}
