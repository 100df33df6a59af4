package io.densefractal.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP GET whose body is streamed into an {@link OutputStream}, with a time limit on every wait:
 * connecting, the response headers, and each stretch of the body. {@link HttpClient} times out only
 * up to the headers; a server that then stops sending would otherwise hang a download forever.
 */
public final class HttpGet {
  /** Limits of one download. */
  public record Timeouts(Duration connect, Duration headers, Duration idleBody) {
    public static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(60));
  }

  private static final int BUFFER_SIZE = 1 << 16;

  private HttpGet() {}

  /**
   * Whether downloads are off: the system property {@code densefractal.offline} is {@code true} or
   * the environment variable {@code DENSEFRACTAL_OFFLINE} is {@code 1}.
   */
  public static boolean offline() {
    return "true".equalsIgnoreCase(System.getProperty("densefractal.offline"))
        || "1".equals(System.getenv("DENSEFRACTAL_OFFLINE"));
  }

  /**
   * Writes the body of {@code uri} (after redirects) to {@code out}.
   *
   * @throws IOException when the server cannot be reached, answers with a status other than 200, or
   *     sends nothing for longer than a timeout ({@link SocketTimeoutException})
   */
  public static void into(URI uri, OutputStream out, Timeouts timeouts) throws IOException {
    HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(timeouts.connect())
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeouts.headers()).GET().build();
    HttpResponse<InputStream> response;
    try {
      response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted = new InterruptedIOException("download interrupted");
      interrupted.initCause(e);
      throw interrupted;
    }
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP status " + response.statusCode() + " from " + uri);
      }
      copy(body, out, timeouts.idleBody());
    }
  }

  /**
   * Copies {@code body} to {@code out}; a watchdog closes {@code body} when no byte has arrived for
   * {@code idle}, which ends the blocked read, and the copy then fails instead of passing the cut
   * body off as complete.
   */
  static void copy(InputStream body, OutputStream out, Duration idle) throws IOException {
    AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledExecutorService watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "download-watchdog");
              t.setDaemon(true);
              return t;
            });
    long period = Math.max(10, idle.toMillis() / 10);
    watchdog.scheduleAtFixedRate(
        () -> {
          if (System.nanoTime() - lastProgress.get() > idle.toNanos()
              && !timedOut.getAndSet(true)) {
            try {
              body.close();
            } catch (IOException ignored) {
              // the copy reports the timeout
            }
          }
        },
        period,
        period,
        TimeUnit.MILLISECONDS);
    try {
      byte[] buffer = new byte[BUFFER_SIZE];
      for (int n; (n = body.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        lastProgress.set(System.nanoTime());
      }
    } catch (IOException e) {
      if (!timedOut.get()) {
        throw e;
      }
    } finally {
      watchdog.shutdownNow();
    }
    if (timedOut.get()) {
      throw new SocketTimeoutException(
          "the server sent nothing for "
              + (idle.toMillis() < 1000 ? idle.toMillis() + " ms" : idle.toSeconds() + " s")
              + "; the download was abandoned (run again to retry)");
    }
  }
}
