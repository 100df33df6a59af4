package io.densefractal.spark;

import io.densefractal.train.Recipe;
import io.densefractal.train.TrainConfig;
import io.densefractal.train.TrainResult;
import io.densefractal.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Synchronous data-parallel training on Spark ({@link SparkGradients}), with {@code train}'s loop:
 * the same recipes, schedules, run directory, checkpoints (one per epoch, written by the driver),
 * resume, metrics, plots and progress. The driver holds the weights and the optimizer and
 * evaluates after each epoch; the workers compute gradients.
 */
public final class SparkTrainJob {
  /** A finished run and where its steps' time went. */
  public record Result(TrainResult train, StepTimes times) {}

  private SparkTrainJob() {}

  /** Starts a new run in {@code runDir} (as {@link Trainer#start}). */
  public static Result start(
      SparkSession spark,
      TrainConfig config,
      Path runDir,
      DataParallel parallel,
      PrintStream out,
      boolean terminal) {
    return start(spark, config, runDir, parallel, out, terminal, Integer.MAX_VALUE);
  }

  /** {@link #start}, returning after {@code stopAfter} epochs (tests). */
  static Result start(
      SparkSession spark,
      TrainConfig config,
      Path runDir,
      DataParallel parallel,
      PrintStream out,
      boolean terminal,
      int stopAfter) {
    StepTimes times = new StepTimes();
    TrainResult r =
        trainer(spark, parallel, out, terminal, times).start(config, runDir, stopAfter);
    return new Result(r, times);
  }

  /** Continues the run in {@code runDir} from its last checkpoint (as {@link Trainer#resume}). */
  public static Result resume(
      SparkSession spark,
      Path runDir,
      UnaryOperator<Recipe> override,
      DataParallel parallel,
      PrintStream out,
      boolean terminal) {
    StepTimes times = new StepTimes();
    TrainResult r = trainer(spark, parallel, out, terminal, times).resume(runDir, override);
    return new Result(r, times);
  }

  private static Trainer trainer(
      SparkSession spark, DataParallel parallel, PrintStream out, boolean terminal, StepTimes t) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return new Trainer(
        out,
        terminal,
        context ->
            new SparkGradients(
                sc,
                context,
                parallel.factory(),
                parallel.workers(),
                parallel.threads(),
                parallel.faults(),
                t));
  }
}
