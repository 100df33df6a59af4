package io.densefractal.cli;

import ai.djl.engine.EngineException;
import io.densefractal.DenseFractalException;
import io.densefractal.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * The exit-code policy and the one line on stderr, for any failure of any command: 2 for a usage
 * error (picocli's own checks, {@link UsageException} from any layer), 1 for everything else.
 * Engine and JVM failures are translated into what happened and what to do: no class names, no
 * engine source locations.
 */
final class Failures {
  static final int USAGE = 2;
  static final int FAILURE = 1;

  private static final Pattern ALLOCATION = Pattern.compile("allocate (\\d+) bytes");
  private static final Pattern QUALIFIED_THROWABLE =
      Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::\\s*|\\b)");

  private Failures() {}

  /** The exit status for {@code e}. */
  static int exitCode(Throwable e) {
    return e instanceof UsageException || e instanceof CommandLine.ParameterException
        ? USAGE
        : FAILURE;
  }

  /** A user-facing single line for any failure. */
  static String oneLine(Throwable e) {
    String message = describe(e);
    // Messages built around a lower layer's exception ("cannot write X: " + e) would show its
    // class name: only its own words are kept.
    message = QUALIFIED_THROWABLE.matcher(message).replaceAll("");
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").strip();
  }

  private static String describe(Throwable e) {
    // Running out of memory may surface wrapped in anything; it is what the user must hear.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return String.format(
            Locale.ROOT,
            "out of memory: the Java heap (at most %d MB) cannot hold this request; use a smaller"
                + " --batch, --size or input, or give Java more with"
                + " DENSEFRACTAL_JAVA_OPTS=-Xmx<N>g",
            Runtime.getRuntime().maxMemory() >> 20);
      }
      if (t instanceof EngineException && isNativeAllocation(t.getMessage())) {
        return nativeOutOfMemory(t.getMessage());
      }
      if (t.getCause() == t) {
        break;
      }
    }
    Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
    if (t instanceof DenseFractalException || t instanceof CommandLine.ParameterException) {
      return String.valueOf(t.getMessage());
    }
    if (t instanceof EngineException) {
      return engineMessage(t.getMessage());
    }
    if (t instanceof NoSuchFileException f) {
      return "no such file: " + f.getFile();
    }
    if (t instanceof AccessDeniedException f) {
      return "permission denied: " + f.getFile();
    }
    if (t instanceof FileSystemException f) {
      String reason = f.getReason() == null ? "" : f.getReason();
      return "cannot access " + f.getFile() + (reason.isEmpty() ? "" : ": " + reason);
    }
    if (t instanceof IOException) {
      return "I/O error: " + t.getMessage();
    }
    String m = t.getMessage();
    return "unexpected failure"
        + (m == null || m.isBlank() ? "" : ": " + m)
        + " (DENSEFRACTAL_DEBUG=1 prints where)";
  }

  static boolean isNativeAllocation(String message) {
    return message != null
        && (message.contains("alloc_cpu") || message.contains("can't allocate memory")
            || message.contains("DefaultCPUAllocator"));
  }

  private static String nativeOutOfMemory(String message) {
    Matcher m = ALLOCATION.matcher(message);
    String size =
        m.find() ? String.format(Locale.ROOT, " %.1f GB", Long.parseLong(m.group(1)) / 1e9) : "";
    return "out of memory: libtorch could not allocate"
        + size
        + " (the machine's memory is used up); use a smaller --batch, --size or input";
  }

  /** libtorch's first line, without its {@code [enforce fail at file.cpp:NN]} source location. */
  private static String engineMessage(String message) {
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    first = first.replaceAll("\\[enforce fail at [^\\]]*\\]\\s*", "").strip();
    if (first.contains("Output size is too small")) {
      return "the input is too small for this model (a feature map would shrink below 1x1);"
          + " give larger images (--size / --image-size)";
    }
    if (first.contains("number of threads")) {
      return "libtorch refused the thread count; give --threads 1 or more";
    }
    return "libtorch failed: " + first;
  }
}
