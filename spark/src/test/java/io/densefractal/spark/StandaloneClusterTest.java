package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.inference.ClassScore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a real standalone cluster (master and two workers, separate JVMs, started by {@code
 * bench/spark-cluster.sh}), the driver in this JVM: same output as single-process predictions, and
 * every row exactly once when a worker is killed mid-job.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
  private static final int IMAGES = 200;
  private static final int TOP = 3;

  @TempDir static Path dir;
  static StandaloneCluster cluster;
  static SparkSession spark;
  static Path weights;
  static List<Path> pngs;

  @BeforeAll
  static void setUp() throws IOException, InterruptedException {
    weights = Fixtures.weights(dir.resolve("w.safetensors"), 11);
    pngs = Fixtures.pngs(dir.resolve("images"), IMAGES);
    cluster = StandaloneCluster.start(Path.of("target/spark-cluster").toAbsolutePath());
    spark = cluster.session("densefractal cluster test");
  }

  @AfterAll
  static void tearDown() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static PredictJob job(String out, int batch, int partitions) {
    return new PredictJob(
        ImageInput.folder(dir.resolve("images").toString(), null),
        out,
        false,
        new PredictOptions(
            new JobModel(null, weights.toString(), null, false, null, "libtorch"),
            batch,
            TOP,
            null,
            false),
        partitions);
  }

  @Test
  @Order(1)
  void twoWorkersEqualSingleProcessPredict() {
    Map<String, List<ClassScore>> expected = Fixtures.predict(weights, pngs, TOP);
    String out = dir.resolve("cluster.parquet").toString();

    JobResult result = SparkPredictJob.run(spark, job(out, 16, 6));

    assertThat(result.rows()).isEqualTo(IMAGES);
    assertThat(result.errors()).isZero();
    Map<String, Row> rows = Predictions.read(spark, out);
    expected.forEach((file, scores) -> Predictions.assertSame(rows.get(file), scores));
    // Both workers' executors took part.
    assertThat(spark.sparkContext().getExecutorMemoryStatus().size()).isEqualTo(3);
  }

  @Test
  @Order(2)
  void killingAWorkerMidJobStillWritesEveryRowOnce() throws IOException {
    long worker = cluster.workerPid(2);
    AtomicBoolean killed = new AtomicBoolean();
    AtomicLong executorsRemoved = new AtomicLong();
    SparkListener killer =
        new SparkListener() {
          @Override
          public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
            // The first finished task: the job is under way on both workers.
            if (killed.compareAndSet(false, true)) {
              ProcessHandle.of(worker)
                  .ifPresent(
                      w -> {
                        // A lost machine: the worker and the executor it launched, no goodbye.
                        w.children().forEach(ProcessHandle::destroyForcibly);
                        w.destroyForcibly();
                      });
            }
          }

          @Override
          public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
            executorsRemoved.incrementAndGet();
          }
        };
    spark.sparkContext().addSparkListener(killer);
    String out = dir.resolve("killed.parquet").toString();
    try {
      SparkPredictJob.run(spark, job(out, 2, 40));
      // Listener events arrive asynchronously.
      for (int i = 0; i < 60 && executorsRemoved.get() == 0; i++) {
        Thread.sleep(250);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      spark.sparkContext().removeSparkListener(killer);
    }

    assertThat(killed).isTrue();
    assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(executorsRemoved.get()).as("an executor lost during the job").isPositive();
    var table = spark.read().parquet(out);
    assertThat(table.count()).isEqualTo(IMAGES);
    assertThat(table.select("path").distinct().count()).isEqualTo(IMAGES);
    assertThat(table.filter(functions.col("error").isNotNull()).count()).isZero();
  }
}
