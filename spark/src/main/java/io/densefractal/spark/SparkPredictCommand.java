package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import io.densefractal.cli.TrainedModelArgs;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark predict}: top-k classes of many images as a Spark job, written as Parquet. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
      "Top-k classes (and/or embeddings) of every image of a folder tree or Parquet table, as a"
          + " Spark job; writes Parquet (id, classes, names, probabilities, embedding, error).",
      "  spark predict --data photos/ --out preds.parquet --run runs/r20",
      "  spark predict --data photos/ --glob '*.jpg' --out p.parquet -m resnet50 --pretrained",
      "  spark predict --parquet t.parquet --id-column sku --image-column jpeg --out p.parquet"
          + " --weights w.safetensors",
      "  spark predict --data photos/ --out e.parquet --weights m.onnx --embed --top 0",
      "  spark predict --master spark://127.0.0.1:7077 --data photos/ --out p.parquet --run r"
    })
final class SparkPredictCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  static final class Input {
    @Option(
        names = "--data",
        required = true,
        description = "A folder of images, read recursively (every file, or those --glob matches).")
    String folder;

    @Option(
        names = "--parquet",
        required = true,
        description = "A Parquet table with an id column and a binary column of image bytes.")
    String parquet;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  @Option(names = "--glob", description = "With --data: only files whose name matches, e.g. *.png")
  String glob;

  @Option(names = "--image-column", description = "With --parquet: the image column (image).")
  String imageColumn = "image";

  @Option(names = "--id-column", description = "With --parquet: the id column (id).")
  String idColumn = "id";

  @Option(names = "--out", required = true, description = "The Parquet output (a folder).")
  String out;

  @Option(names = "--overwrite", description = "Replace --out if it exists.")
  boolean overwrite;

  @Mixin TrainedModelArgs trainedModel;

  @Option(
      names = "--dataset",
      description = "With --weights: the dataset they were trained on, if the file does not say.")
  String dataset;

  @Option(names = "--column", description = "Only column i of a FractalNet.")
  Integer column;

  @Option(
      names = "--top",
      description = "Classes per image (default 5); 0 with --embed: embeddings only.")
  int top = 5;

  @Option(
      names = "--embed",
      description = "Also write each image's embedding (array<float>: the pooled features).")
  boolean embed;

  @Option(
      names = "--engine",
      description =
          "libtorch or onnxruntime (default: onnxruntime for an .onnx file, else libtorch).")
  String engine;

  @Option(names = "--batch", description = "Images per forward call in each task (default 32).")
  int batch = 32;

  @Option(
      names = "--partitions",
      description = "Spread the images over this many partitions (default: Spark's split).")
  Integer partitions;

  @Option(
      names = "--master",
      description = "Spark master: local[N], spark://HOST:7077 (default: spark-submit's, else"
              + " local[*]).")
  String master;

  @Option(names = "--conf", description = "A Spark setting KEY=VALUE (repeatable).")
  Map<String, String> conf = new LinkedHashMap<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (top < 0 || (top == 0 && !embed)) {
      throw usage("--top must be at least 1 (or 0 with --embed), got " + top);
    }
    Engine chosen;
    try {
      chosen = engine == null ? null : Engine.parse(engine);
    } catch (DenseFractalException e) {
      throw usage(e.getMessage());
    }
    if (batch < 1) {
      throw usage("--batch must be at least 1, got " + batch);
    }
    if (partitions != null && partitions < 1) {
      throw usage("--partitions must be at least 1, got " + partitions);
    }
    if (input.parquet != null && glob != null) {
      throw usage("--glob filters a --data folder, not a --parquet table");
    }
    ModelSource source = trainedModel.source(dataset);
    ImageInput images =
        input.folder != null
            ? ImageInput.folder(input.folder, glob)
            : ImageInput.parquet(input.parquet, imageColumn, idColumn);
    PredictJob job =
        new PredictJob(
            images,
            this.out,
            overwrite,
            new PredictOptions(JobModel.of(source, chosen), batch, top, column, embed),
            partitions);
    // Cheap checks before Spark starts (seconds) and the model loads.
    LocalPaths.checkInput(images);
    LocalPaths.checkOutput(this.out, overwrite);
    checkModelFiles(source);
    SparkSession spark = SparkSessions.start(master, conf);
    try {
      // The model loads here first: a wrong file or a model without embeddings fails in one line
      // before any task runs (and an embedded run's tasks reuse this very instance).
      ImageClassifier classifier = ExecutorModels.get(job.options().model(), taskCpus(spark));
      if (embed) {
        classifier.embeddingSize();
      }
      JobResult result = SparkPredictJob.run(spark, job);
      out.printf(
          Locale.ROOT,
          "%s: %d images (%d with an error) in %.1f s, %.1f images/s on %s%n",
          this.out,
          result.rows(),
          result.errors(),
          result.seconds(),
          result.rows() / result.seconds(),
          spark.sparkContext().master());
      return 0;
    } catch (RuntimeException e) {
      throw new DenseFractalException(SparkErrors.oneLine(e), e);
    } finally {
      spark.stop();
    }
  }

  private static int taskCpus(SparkSession spark) {
    return spark.sparkContext().getConf().getInt("spark.task.cpus", 1);
  }

  private static void checkModelFiles(ModelSource source) {
    Path file = source.run() != null ? source.run() : source.weights();
    if (file != null && !java.nio.file.Files.exists(file)) {
      throw new DenseFractalException(
          (source.run() != null ? "run directory " : "weights file ") + file + " does not exist");
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
