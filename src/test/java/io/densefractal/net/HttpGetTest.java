package io.densefractal.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Downloads end: complete, refused, or abandoned when the server stops sending. */
class HttpGetTest {
  private static final Duration IDLE = Duration.ofMillis(300);
  private static final HttpGet.Timeouts TIMEOUTS =
      new HttpGet.Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), IDLE);

  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/whole",
        ex -> {
          byte[] body = new byte[200_000];
          body[123_456] = 7;
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.createContext(
        "/missing",
        ex -> {
          ex.sendResponseHeaders(404, -1);
          ex.close();
        });
    server.createContext(
        "/stalls",
        ex -> {
          ex.sendResponseHeaders(200, 1000);
          OutputStream out = ex.getResponseBody();
          out.write(new byte[10]);
          out.flush();
          try {
            release.await(30, TimeUnit.SECONDS); // headers and 10 of 1000 bytes, then silence
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void copiesTheWholeBody() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HttpGet.into(uri("/whole"), out, TIMEOUTS);
    assertThat(out.size()).isEqualTo(200_000);
    assertThat(out.toByteArray()[123_456]).isEqualTo((byte) 7);
  }

  @Test
  void reportsTheStatusOfARefusal() {
    assertThatThrownBy(() -> HttpGet.into(uri("/missing"), new ByteArrayOutputStream(), TIMEOUTS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("HTTP status 404");
  }

  @Test
  void abandonsABodyThatStopsArriving() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> HttpGet.into(uri("/stalls"), new ByteArrayOutputStream(), TIMEOUTS))
        .isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("sent nothing for 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void aStreamClosedByTheWatchdogIsNotTakenForACompleteBody() {
    // Some streams answer a close from another thread with end-of-stream, not an exception.
    CountDownLatch closed = new CountDownLatch(1);
    InputStream silent =
        new InputStream() {
          @Override
          public int read() throws IOException {
            try {
              closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return -1;
          }

          @Override
          public void close() {
            closed.countDown();
          }
        };
    assertThatThrownBy(() -> HttpGet.copy(silent, new ByteArrayOutputStream(), IDLE))
        .isInstanceOf(SocketTimeoutException.class);
  }
}
