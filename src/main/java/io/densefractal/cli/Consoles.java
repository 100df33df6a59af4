package io.densefractal.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Bridges picocli's writers to the library's print streams. */
public final class Consoles {
  private Consoles() {}

  /** A print stream that writes through {@code writer} (flushing with it). */
  public static PrintStream printStream(PrintWriter writer) {
    OutputStream bytes =
        new OutputStream() {
          private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

          @Override
          public void write(int b) {
            pending.write(b);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
          }

          @Override
          public void flush() {
            writer.write(pending.toString(StandardCharsets.UTF_8));
            writer.flush();
            pending.reset();
          }
        };
    return new PrintStream(bytes, true, StandardCharsets.UTF_8);
  }
}
