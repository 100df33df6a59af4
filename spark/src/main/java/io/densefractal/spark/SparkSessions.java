package io.densefractal.spark;

import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** How the CLI starts Spark: embedded ({@code local[*]}) by default, or against a cluster. */
final class SparkSessions {
  /**
   * The class path of the job's own classes (this module, the densefractal library and its
   * dependencies, not Spark), set by the launcher. Executors of a cluster started from the same
   * installation find the classes there.
   */
  static final String APP_CLASS_PATH = "densefractal.spark.appClassPath";

  /** Environment variables executors get from the driver's environment. */
  private static final List<String> EXECUTOR_ENVIRONMENT =
      List.of(
          "ONEDNN_MAX_CPU_ISA",
          "MALLOC_MMAP_THRESHOLD_",
          "MALLOC_TRIM_THRESHOLD_",
          "TORCH_CPP_LOG_LEVEL");

  private SparkSessions() {}

  /**
   * A session for {@code master} (null: the one spark-submit set, else {@code local[*]}), with the
   * user's {@code --conf} settings last.
   */
  static SparkSession start(String master, Map<String, String> settings) {
    SparkConf conf = new SparkConf(); // takes the spark.* properties spark-submit passes
    if (master != null) {
      conf.setMaster(master);
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    settings.forEach(conf::set);
    conf.setIfMissing("spark.app.name", "densefractal spark predict");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    String m = conf.get("spark.master");
    boolean local = m.startsWith("local");
    if (local || m.contains("127.0.0.1") || m.contains("localhost")) {
      // Loopback only: nothing is opened to the network for a run on this machine.
      conf.setIfMissing("spark.driver.host", "127.0.0.1");
      conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
    }
    if (local) {
      conf.setIfMissing("spark.ui.enabled", "false");
    }
    // Executors run libtorch as this JVM does: the oneDNN cap of Zen 5 hosts (docs/PLATFORMS.md)
    // and the allocator settings the launcher gives it.
    for (String name : EXECUTOR_ENVIRONMENT) {
      String value = System.getenv(name);
      if (value != null) {
        conf.setIfMissing("spark.executorEnv." + name, value);
      }
    }
    String appClassPath = System.getProperty(APP_CLASS_PATH);
    if (!local
        && appClassPath != null
        && !conf.contains("spark.jars")
        && !conf.contains("spark.executor.extraClassPath")) {
      conf.set("spark.executor.extraClassPath", appClassPath);
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }
}
