package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.EngineException;
import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import io.densefractal.models.ConfigException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** Engine and JVM failures become one line without class names or engine source locations. */
class FailuresTest {
  @Test
  void exitCodes() {
    assertThat(Failures.exitCode(new UsageException("x"))).isEqualTo(2);
    assertThat(Failures.exitCode(new ConfigException("x"))).isEqualTo(2);
    assertThat(Failures.exitCode(new DenseFractalException("x"))).isEqualTo(1);
    assertThat(Failures.exitCode(new OutOfMemoryError())).isEqualTo(1);
  }

  @Test
  void libtorchAllocationFailureIsOutOfMemory() {
    String m =
        Failures.oneLine(
            new EngineException(
                "[enforce fail at alloc_cpu.cpp:117] data. DefaultCPUAllocator: not enough"
                    + " memory: you tried to allocate 137438953472 bytes.\nframe #0: c10::..."));
    assertThat(m).startsWith("out of memory").contains("137.4 GB").doesNotContain("alloc_cpu");
  }

  @Test
  void javaHeapExhaustionWrappedAnywhereIsOutOfMemory() {
    String m =
        Failures.oneLine(
            new DenseFractalException("the file is damaged", new OutOfMemoryError("Java heap")));
    assertThat(m).startsWith("out of memory").contains("-Xmx").doesNotContain("damaged");
  }

  @Test
  void engineMessagesLoseTheirSourceLocationAndClassNames() {
    assertThat(
            Failures.oneLine(
                new EngineException(
                    "Given input size: (64x1x1). Calculated output size: (64x0x0). Output size is"
                        + " too small")))
        .contains("too small for this model")
        .doesNotContain("Exception");
    assertThat(Failures.oneLine(new EngineException("[enforce fail at x.cpp:1] bad thing\nmore")))
        .isEqualTo("libtorch failed: bad thing");
    assertThat(Failures.oneLine(new EngineException("Expected positive number of threads")))
        .contains("--threads");
  }

  @Test
  void filesAndUnexpectedFailures() {
    assertThat(Failures.oneLine(new UncheckedIOException(new NoSuchFileException("/a/b"))))
        .isEqualTo("no such file: /a/b");
    assertThat(Failures.oneLine(new IOException("No space left on device")))
        .isEqualTo("I/O error: No space left on device");
    String npe = Failures.oneLine(new NullPointerException());
    assertThat(npe).startsWith("unexpected failure").doesNotContain("NullPointer");
    assertThat(Failures.oneLine(new DenseFractalException("two\nlines"))).isEqualTo("two lines");
    assertThat(
            Failures.oneLine(
                new DenseFractalException(
                    "cannot write /x/c.png: javax.imageio.IIOException: I/O error writing PNG")))
        .isEqualTo("cannot write /x/c.png: I/O error writing PNG");
  }
}
