package io.densefractal.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;

/**
 * A standalone Spark cluster (one master, two workers) started by {@code bench/spark-cluster.sh}
 * for a test, on a free loopback port, stopped by {@link #close} (after the session it made) or at
 * the latest when the test JVM exits.
 */
final class StandaloneCluster implements AutoCloseable {
  private final Path script;
  private final Path dir;
  private final int port;
  private final Thread stopAtExit;
  private SparkSession session;

  private StandaloneCluster(Path script, Path dir, int port) {
    this.script = script;
    this.dir = dir;
    this.port = port;
    this.stopAtExit = new Thread(this::stop);
  }

  static StandaloneCluster start(Path dir) throws IOException, InterruptedException {
    Path root = Path.of(System.getProperty("densefractal.root", ".."));
    Path script = root.resolve("bench/spark-cluster.sh");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    StandaloneCluster cluster = new StandaloneCluster(script, dir, port);
    Runtime.getRuntime().addShutdownHook(cluster.stopAtExit);
    int code = cluster.script("start", 240);
    if (code != 0) {
      cluster.close();
      throw new IllegalStateException(
          "bench/spark-cluster.sh start failed (" + code + "): " + cluster.log());
    }
    return cluster;
  }

  String master() {
    return "spark://127.0.0.1:" + port;
  }

  /**
   * A session on this cluster whose executors find this module's classes and the library's jars
   * where this build has them: the library from this checkout's {@code ../target/classes}, not the
   * copy in the local Maven repository (another checkout may have installed a different one).
   */
  SparkSession session(String appName) throws IOException {
    String appClassPath =
        String.join(
            ":",
            Path.of("target/classes").toAbsolutePath().toString(),
            Path.of("../target/classes").toAbsolutePath().normalize().toString(),
            Files.readString(Path.of("target/app-classpath.txt")).strip());
    session =
        SparkSessions.start(
            master(),
            Map.of(
                "spark.executor.extraClassPath", appClassPath,
                "spark.executor.memory", "1g",
                "spark.app.name", appName));
    return session;
  }

  /** The process id of worker {@code i} (1-based). */
  long workerPid(int i) throws IOException {
    return Long.parseLong(Files.readString(dir.resolve("pids/worker-" + i + ".pid")).strip());
  }

  private int script(String command, int seconds) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(List.of("bash", script.toString(), command));
    pb.environment().put("SPARK_CLUSTER_DIR", dir.toString());
    pb.environment().put("SPARK_MASTER_PORT", Integer.toString(port));
    pb.environment().put("SPARK_WORKERS", "2");
    pb.environment().put("SPARK_WORKER_CORES", "1");
    pb.environment().put("SPARK_WORKER_MEMORY", "1536m");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve("script-" + command + ".log").toFile());
    Files.createDirectories(dir);
    Process p = pb.start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return -1;
    }
    return p.exitValue();
  }

  private String log() {
    try {
      return Files.readString(dir.resolve("script-start.log")).replace('\n', ' ');
    } catch (IOException e) {
      return e.toString();
    }
  }

  private void stop() {
    try {
      script("stop", 60);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the session made by {@link #session}, if any, then the cluster. */
  @Override
  public void close() {
    try {
      if (session != null) {
        session.stop();
      }
    } finally {
      closeCluster();
    }
  }

  private void closeCluster() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(stopAtExit);
    } catch (IllegalStateException e) {
      // the JVM is already exiting: the hook runs anyway
    }
  }
}
