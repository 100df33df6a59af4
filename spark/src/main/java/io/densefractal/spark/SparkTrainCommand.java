package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import io.densefractal.cli.Consoles;
import io.densefractal.cli.TrainCommand;
import io.densefractal.cli.TrainOptions;
import io.densefractal.data.Datasets;
import io.densefractal.train.ProgressBar;
import io.densefractal.train.TrainConfig;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spark train}: {@code train}, synchronous data-parallel over Spark tasks. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Train as `train` does, the gradients of every batch computed by --workers Spark tasks, each"
          + " on its share of the batch (PyTorch DistributedDataParallel's semantics); the driver"
          + " keeps the weights, checkpoints and logs. --data also takes a Parquet table of"
          + " labelled images (columns image: JPEG/PNG bytes, label: class name or index), or a"
          + " folder with train.parquet and test.parquet.",
      "  spark train -m resnet20_cifar --data fashion-mnist --epochs 1 --workers 2 --out runs/s",
      "  spark train -m resnet20_cifar --data images.parquet --image-size 32 --out runs/p",
      "  spark train --resume runs/s --workers 2 --epochs 2",
      "  spark train --master spark://127.0.0.1:7077 -m resnet20_cifar --data demo --workers 2"
    })
final class SparkTrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin TrainOptions options;

  @Option(
      names = "--workers",
      description = "Data-parallel workers: Spark tasks per step, each with a replica (default 2).")
  int workers = 2;

  @Option(
      names = "--threads-per-worker",
      description =
          "Intra-op threads of each worker (default: embedded, the master's cores shared among"
              + " the workers, which step side by side; on a cluster, spark.task.cpus).")
  int threads;

  @Option(
      names = "--master",
      description =
          "Spark master: local[N], spark://HOST:7077 (default: spark-submit's, else"
              + " local[WORKERS]).")
  String master;

  @Option(names = "--conf", description = "A Spark setting KEY=VALUE (repeatable).")
  Map<String, String> conf = new LinkedHashMap<>();

  @Override
  public Integer call() {
    PrintWriter console = spec.commandLine().getOut();
    if (workers < 1) {
      throw usage("--workers must be at least 1, got " + workers);
    }
    if (threads < 0) {
      throw usage("--threads-per-worker must be at least 1, got " + threads);
    }
    Path resume = options.resume();
    TrainConfig config = resume == null ? executorPaths(options.config()) : null;
    Path runDir = resume == null ? options.runDirectory() : resume;
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("spark.app.name", "densefractal spark train");
    settings.putAll(conf);
    boolean submitted = master == null && System.getProperty("spark.master") != null;
    SparkSession spark =
        SparkSessions.start(
            master != null || submitted ? master : "local[" + workers + "]", settings);
    try {
      PrintStream out = Consoles.printStream(console);
      DataParallel parallel = DataParallel.of(workers, threads);
      boolean terminal = ProgressBar.isTerminal();
      SparkTrainJob.Result result =
          resume != null
              ? SparkTrainJob.resume(
                  spark, resume, options.resumeOverrides(), parallel, out, terminal)
              : SparkTrainJob.start(spark, config, runDir, parallel, out, terminal);
      console.println("data-parallel: " + result.times());
      TrainCommand.printResult(console, result.train());
      return 0;
    } catch (DenseFractalException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DenseFractalException(SparkErrors.oneLine(e), e);
    } finally {
      spark.stop();
    }
  }

  /** The run's data folders and tables as absolute paths, for executors in other folders. */
  static TrainConfig executorPaths(TrainConfig c) {
    String data =
        Datasets.names().contains(c.dataset()) ? c.dataset() : LocalPaths.absolute(c.dataset());
    String dataDir = c.dataDir() == null ? null : LocalPaths.absolute(c.dataDir());
    return c.toBuilder().dataset(data).dataDir(dataDir).build();
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
