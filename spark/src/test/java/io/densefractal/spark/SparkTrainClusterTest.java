package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.train.Checkpoint;
import io.densefractal.train.Recipe;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.Trainer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training on a real standalone cluster (master and two workers, separate JVMs), the
 * driver in this JVM: the executor running worker 1's step is killed (kill -9) mid-epoch; Spark
 * reruns that step's task elsewhere, the replica is rebuilt there from the broadcast weights, and
 * the run finishes, every worker step computed with exactly the driver's weights.
 */
class SparkTrainClusterTest {
  @TempDir static Path dir;
  static StandaloneCluster cluster;
  static SparkSession spark;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    cluster = StandaloneCluster.start(Path.of("target/spark-train-cluster").toAbsolutePath());
    spark = cluster.session("densefractal spark train cluster test");
  }

  @AfterAll
  static void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The executor JVM (a child of a worker) started with {@code --executor-id id}. */
  private static Optional<ProcessHandle> executor(String id) throws IOException {
    for (int w = 1; w <= 2; w++) {
      Optional<ProcessHandle> worker = ProcessHandle.of(cluster.workerPid(w));
      if (worker.isEmpty()) {
        continue;
      }
      Optional<ProcessHandle> found =
          worker.get().descendants().filter(p -> isExecutor(p.pid(), id)).findFirst();
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  /** Whether process {@code pid}'s command line has {@code --executor-id id}. */
  private static boolean isExecutor(long pid, String id) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      List<String> args = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
      int i = args.indexOf("--executor-id");
      return i >= 0 && i + 1 < args.size() && args.get(i + 1).equals(id);
    } catch (IOException e) {
      return false; // ended meanwhile
    }
  }

  @Test
  void killingAnExecutorMidEpochRerunsTheStepWithIdenticalReplicas() throws Exception {
    Recipe recipe =
        Recipe.named("resnet-cifar").toBuilder().epochs(2).batchSize(32).learningRate(0.05).build();
    TrainConfig config =
        TrainConfig.builder("resnet20_cifar", "demo", recipe)
            .limitTrain(128)
            .limitTest(32)
            .seed(4)
            .build();
    AtomicInteger rankOneStarts = new AtomicInteger();
    AtomicReference<String> killed = new AtomicReference<>();
    AtomicReference<Throwable> killFailed = new AtomicReference<>();
    SparkListener killer =
        new SparkListener() {
          @Override
          public void onTaskStart(SparkListenerTaskStart start) {
            // Worker 1's sixth step (epoch 2, step 2; four steps an epoch), while it runs.
            if (start.taskInfo().index() == 1
                && start.taskInfo().attemptNumber() == 0
                && rankOneStarts.incrementAndGet() == 6) {
              String id = start.taskInfo().executorId();
              try {
                ProcessHandle executor =
                    executor(id).orElseThrow(() -> new IllegalStateException("no executor " + id));
                executor.destroyForcibly();
                killed.set(id);
              } catch (IOException | RuntimeException e) {
                killFailed.set(e);
              }
            }
          }
        };
    spark.sparkContext().addSparkListener(killer);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SparkTrainJob.Result result;
    Path run = dir.resolve("run");
    try {
      result =
          SparkTrainJob.start(
              spark,
              config,
              run,
              DataParallel.of(2, 1),
              new PrintStream(log, true, StandardCharsets.UTF_8),
              false);
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }
    assertThat(killFailed.get()).isNull();
    assertThat(killed.get()).as("an executor was killed").isNotNull();
    StepTimes times = result.times();
    // The killed step was rerun; all 8 steps of both workers used the driver's very weights.
    assertThat(times.retriedSteps()).isPositive();
    assertThat(times.steps()).isEqualTo(8);
    assertThat(times.verifiedWorkerSteps()).isEqualTo(16);
    // Worker 1's replica was rebuilt on another executor.
    assertThat(times.executorsByRank().get(1)).hasSizeGreaterThan(1);
    assertThat(result.train().state().epochsDone()).isEqualTo(2);
    assertThat(Checkpoint.read(run.resolve(Trainer.LAST)).state().globalStep()).isEqualTo(8);
    assertThat(result.train().history()).hasSize(2);
    assertThat(List.of(run.resolve("metrics.csv"), run.resolve("loss.png")))
        .allMatch(Files::isRegularFile);
  }
}
