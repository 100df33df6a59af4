// Load generator for `densefractal serve` (loopback only, bounded in time):
//   java bench/ServeLoad.java URL IMAGE closed CONCURRENCY SECONDS [DEADLINE_MS]
//   java bench/ServeLoad.java URL IMAGE open RATE_PER_S SECONDS
// closed: CONCURRENCY clients each send the next request when the last is answered.
// open: requests start at a fixed rate whatever the answers (at most 2048 outstanding), as in
// an overload. Prints one line: requests, throughput, latency percentiles, statuses, Retry-After
// count, mean batch size, the generator's own CPU seconds while it ran (it shares the machine with
// the server), and with a deadline the share of answers within it as the client saw them and as
// the server measured them (its "deadline_met").
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class ServeLoad {
  static final Pattern BATCH = Pattern.compile("\"batch_size\":(\\d+)");
  static final Pattern COLUMN = Pattern.compile("\"column\":(null|\\d+)");
  static final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
  static final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
  static final Map<String, AtomicLong> columns = new ConcurrentHashMap<>();
  static final AtomicLong retryAfter = new AtomicLong();
  static final AtomicLong batchSum = new AtomicLong();
  static final AtomicLong batched = new AtomicLong();
  static final AtomicLong withinDeadline = new AtomicLong();
  static final AtomicLong serverWithinDeadline = new AtomicLong();
  static final Pattern MET = Pattern.compile("\"deadline_met\":true");
  static final AtomicLong errors = new AtomicLong();

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    byte[] image = Files.readAllBytes(Path.of(args[1]));
    String mode = args[2];
    double level = Double.parseDouble(args[3]);
    double seconds = Double.parseDouble(args[4]);
    Double deadline = args.length > 5 ? Double.parseDouble(args[5]) : null;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(image));
    if (deadline != null) {
      b.header("deadline_ms", args[5]);
    }
    HttpRequest request = b.build();
    var os = (com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpu0 = os.getProcessCpuTime();
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    if (mode.equals("closed")) {
      List<Thread> clients = new ArrayList<>();
      for (int c = 0; c < (int) level; c++) {
        Thread t = new Thread(() -> {
          while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            try {
              HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
              record(r, (System.nanoTime() - t0) / 1e6, deadline);
            } catch (Exception e) {
              errors.incrementAndGet();
            }
          }
        });
        t.start();
        clients.add(t);
      }
      for (Thread t : clients) {
        t.join();
      }
    } else {
      Semaphore outstanding = new Semaphore(2048);
      long interval = (long) (1e9 / level);
      long next = start;
      while (next < end) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        if (!outstanding.tryAcquire()) {
          errors.incrementAndGet(); // the client itself is saturated: counted, not sent
        } else {
          long t0 = System.nanoTime();
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
            outstanding.release();
            if (e != null) {
              errors.incrementAndGet();
            } else {
              record(r, (System.nanoTime() - t0) / 1e6, deadline);
            }
          });
        }
        next += interval;
      }
      outstanding.acquire(2048);
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    double clientCpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    List<Double> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    long ok = statuses.getOrDefault(200, new AtomicLong()).get();
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT,
        "%s=%s requests=%d ok_per_s=%.2f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f statuses=%s retry_after=%d client_errors=%d mean_batch=%.2f client_cpu_s=%.2f seconds=%.2f",
        mode.equals("closed") ? "concurrency" : "rate", args[3], sorted.size(), ok / elapsed,
        pct(sorted, 50), pct(sorted, 95), pct(sorted, 99), new TreeMap<>(statuses), retryAfter.get(),
        errors.get(), batched.get() == 0 ? 0.0 : (double) batchSum.get() / batched.get(),
        clientCpu, elapsed));
    if (deadline != null) {
      line.append(String.format(Locale.ROOT,
          " deadline_ms=%s within=%.2f%% server_within=%.2f%% columns=%s",
          args[5], ok == 0 ? 0.0 : 100.0 * withinDeadline.get() / ok,
          ok == 0 ? 0.0 : 100.0 * serverWithinDeadline.get() / ok, new TreeMap<>(columns)));
    }
    System.out.println(line);
  }

  static void record(HttpResponse<String> r, double ms, Double deadline) {
    statuses.computeIfAbsent(r.statusCode(), k -> new AtomicLong()).incrementAndGet();
    if (r.headers().firstValue("Retry-After").isPresent()) {
      retryAfter.incrementAndGet();
    }
    if (r.statusCode() != 200) {
      return;
    }
    latencies.add(ms);
    Matcher m = BATCH.matcher(r.body());
    if (m.find()) {
      batchSum.addAndGet(Long.parseLong(m.group(1)));
      batched.incrementAndGet();
    }
    Matcher c = COLUMN.matcher(r.body());
    if (c.find()) {
      columns.computeIfAbsent(c.group(1), k -> new AtomicLong()).incrementAndGet();
    }
    if (deadline != null && ms <= deadline) {
      withinDeadline.incrementAndGet();
    }
    if (deadline != null && MET.matcher(r.body()).find()) {
      serverWithinDeadline.incrementAndGet();
    }
  }

  static double pct(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }
}
