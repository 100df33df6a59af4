package io.densefractal.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Progress of one epoch on one line: {@code epoch 3/10 [#####.....] 45% loss 0.4123 acc 85.12% 812
 * img/s ETA 0:42}.
 *
 * <p>On a terminal the line is redrawn in place ({@code '\r'}) at most ten times a second. Anywhere
 * else (a log file, CI) a plain line without the bar is printed only when another tenth of the
 * epoch is done or 30 s have passed since the last line, so logs stay short. {@link #finish} always
 * prints its summary. Images per second are measured from the wall time since the bar was made; the
 * ETA assumes that rate holds.
 *
 * <p>Not thread-safe: one thread (the training loop's) calls it.
 *
 * <p>Not me.tongfei:progressbar (the kept JVM library, 0.10.1): it draws from its own timer thread
 * through the JLine terminal library, and off a terminal it prints at a fixed time interval; the
 * training log wants a line per tenth of an epoch, written by the training thread itself, and its
 * tests drive the clock.
 */
public final class ProgressBar implements AutoCloseable {
  private static final long REDRAW_NANOS = 100_000_000L;
  private static final long PLAIN_INTERVAL_NANOS = 30_000_000_000L;
  private static final int PLAIN_STEPS = 10;
  // Keeps the whole line within 79 columns where the title allows: a line wider than the terminal
  // wraps, and '\r' then redraws only its last part.
  private static final int LINE_BUDGET = 79;
  private static final int TEXT_WITHOUT_TITLE_AND_BAR = 54;
  private static final int MIN_BAR = 10;
  private static final int MAX_BAR = 30;

  private final String title;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final LongSupplier clock;
  private final long start;
  private final int barWidth;

  private long lastPrint;
  private int lastStep;
  private int drawnWidth;
  private boolean lineOpen;
  private boolean ended;

  /**
   * A bar for {@code total} items (images); {@code total} 0 means unknown, shown without bar,
   * percentage and ETA.
   *
   * @param terminal redraw in place (see {@link #isTerminal()}) or print plain lines
   */
  public ProgressBar(String title, long total, PrintStream out, boolean terminal) {
    this(title, total, out, terminal, System::nanoTime);
  }

  /** As the public constructor, with {@code clock} (nanoseconds) in place of the system timer. */
  ProgressBar(String title, long total, PrintStream out, boolean terminal, LongSupplier clock) {
    if (total < 0) {
      throw new IllegalArgumentException("total must be >= 0, got " + total);
    }
    this.title = Objects.requireNonNull(title, "title");
    this.total = total;
    this.out = Objects.requireNonNull(out, "out");
    this.terminal = terminal;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.start = clock.getAsLong();
    this.lastPrint = start;
    this.barWidth =
        Math.max(
            MIN_BAR, Math.min(MAX_BAR, LINE_BUDGET - TEXT_WITHOUT_TITLE_AND_BAR - title.length()));
  }

  /**
   * Records progress: {@code done} items of the total, the running mean loss and accuracy (a
   * fraction; NaN leaves it out), and prints if it is time to.
   */
  public void update(long done, double loss, double accuracy) {
    if (ended) {
      return;
    }
    long now = clock.getAsLong();
    if (terminal) {
      boolean complete = total > 0 && done >= total;
      if (lineOpen && now - lastPrint < REDRAW_NANOS && !complete) {
        return;
      }
      draw(line(done, loss, accuracy, now, true));
      lastPrint = now;
      return;
    }
    int step = total > 0 ? (int) Math.min(PLAIN_STEPS, (double) done * PLAIN_STEPS / total) : 0;
    // The last step is left to finish(), which prints the epoch's summary right after.
    boolean newStep = step > lastStep && step < PLAIN_STEPS;
    if (newStep || now - lastPrint >= PLAIN_INTERVAL_NANOS) {
      out.println(line(done, loss, accuracy, now, false));
      out.flush();
      lastPrint = now;
    }
    lastStep = Math.max(lastStep, step);
  }

  /** Ends the bar with {@code summary} on its own line (always printed, once). */
  public void finish(String summary) {
    if (ended) {
      return;
    }
    ended = true;
    if (terminal && lineOpen) {
      out.print("\r" + summary + padding(summary.length()) + System.lineSeparator());
      lineOpen = false;
    } else {
      out.println(summary);
    }
    out.flush();
  }

  /** Ends a bar that was not finished (an epoch cut short) so later output starts a new line. */
  @Override
  public void close() {
    if (ended) {
      return;
    }
    ended = true;
    if (terminal && lineOpen) {
      out.println();
      out.flush();
      lineOpen = false;
    }
  }

  /** True when stdout is an interactive terminal that understands {@code '\r'}. */
  public static boolean isTerminal() {
    return System.console() != null && !"dumb".equals(System.getenv("TERM"));
  }

  private void draw(String line) {
    out.print("\r" + line + padding(line.length()));
    out.flush();
    drawnWidth = line.length();
    lineOpen = true;
  }

  // Blanks what a longer earlier line left behind.
  private String padding(int width) {
    return " ".repeat(Math.max(0, drawnWidth - width));
  }

  String line(long done, double loss, double accuracy, long now, boolean withBar) {
    StringBuilder sb = new StringBuilder(title);
    double fraction = total > 0 ? Math.min(1.0, Math.max(0.0, (double) done / total)) : Double.NaN;
    if (total > 0) {
      if (withBar) {
        int filled = (int) Math.floor(fraction * barWidth);
        sb.append(" [")
            .append("#".repeat(filled))
            .append(".".repeat(barWidth - filled))
            .append(']');
      }
      sb.append(' ').append((int) Math.floor(fraction * 100)).append('%');
      if (!withBar) {
        sb.append(' ').append(done).append('/').append(total);
      }
    } else {
      sb.append(' ').append(done);
    }
    sb.append(" loss ").append(number(loss, "%.4f"));
    if (!Double.isNaN(accuracy)) {
      sb.append(" acc ").append(number(accuracy * 100, "%.2f")).append('%');
    }
    double seconds = (now - start) / 1e9;
    double rate = seconds > 0 && done > 0 ? done / seconds : Double.NaN;
    sb.append(' ').append(Double.isNaN(rate) ? "--" : rate(rate)).append(" img/s");
    if (total > 0) {
      double eta = Double.isNaN(rate) ? Double.NaN : Math.max(0, total - done) / rate;
      sb.append(" ETA ").append(Double.isNaN(eta) ? "--:--" : duration(eta));
    }
    return sb.toString();
  }

  private static String number(double v, String format) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    return String.format(Locale.ROOT, format, v);
  }

  private static String rate(double perSecond) {
    return String.format(Locale.ROOT, perSecond < 10 ? "%.1f" : "%.0f", perSecond);
  }

  /** {@code m:ss}, or {@code h:mm:ss} from an hour on. */
  static String duration(double seconds) {
    long s = Math.round(seconds);
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
