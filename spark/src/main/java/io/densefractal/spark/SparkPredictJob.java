package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import java.util.Arrays;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch prediction on Spark: reads images (a folder tree through Spark's {@code binaryFile}
 * source, or a Parquet table), runs the classifier on every partition in batches, and writes one
 * Parquet row per image (see {@link PredictionSchema}).
 */
public final class SparkPredictJob {
  private SparkPredictJob() {}

  /** Runs {@code job} on {@code spark} and returns what it wrote. */
  public static JobResult run(SparkSession spark, PredictJob job) {
    LocalPaths.checkInput(job.input());
    LocalPaths.checkOutput(job.out(), job.overwrite());
    long start = System.nanoTime();
    Dataset<Row> images = read(spark, job.input());
    int parallelism = spark.sparkContext().defaultParallelism();
    int have = images.rdd().getNumPartitions();
    int want = job.partitions() != null ? job.partitions() : Math.max(have, parallelism);
    if (want != have) {
      images = images.repartition(want);
    }
    StructType schema =
        PredictionSchema.of(
            images.schema().fields()[0], job.options().top() > 0, job.options().embed());
    Dataset<Row> predicted =
        images.mapPartitions(new PartitionPredictor(job.options()), Encoders.row(schema));
    predicted
        .write()
        .mode(job.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
        .parquet(job.out());
    double seconds = (System.nanoTime() - start) / 1e9;
    Dataset<Row> written = spark.read().parquet(job.out());
    long rows = written.count();
    long errors = written.filter(functions.col(PredictionSchema.ERROR).isNotNull()).count();
    return new JobResult(rows, errors, seconds);
  }

  /** The input as two columns: the row's id and the image's encoded bytes. */
  static Dataset<Row> read(SparkSession spark, ImageInput input) {
    if (!input.parquet()) {
      var reader = spark.read().format("binaryFile").option("recursiveFileLookup", "true");
      if (input.glob() != null) {
        reader = reader.option("pathGlobFilter", input.glob());
      }
      return reader.load(input.path()).select(ImageInput.PATH, "content");
    }
    Dataset<Row> table = spark.read().parquet(input.path());
    StructType schema = table.schema();
    String[] names = schema.fieldNames();
    for (String column : new String[] {input.idColumn(), input.imageColumn()}) {
      if (!Arrays.asList(names).contains(column)) {
        throw new DenseFractalException(
            input.path()
                + " has no column "
                + column
                + " (it has "
                + String.join(", ", names)
                + "); name the columns with --id-column and --image-column");
      }
    }
    StructField image = schema.apply(input.imageColumn());
    if (!image.dataType().equals(DataTypes.BinaryType)) {
      throw new DenseFractalException(
          "column "
              + input.imageColumn()
              + " of "
              + input.path()
              + " is "
              + image.dataType().simpleString()
              + ", not binary (the encoded image bytes)");
    }
    return table.select(input.idColumn(), input.imageColumn());
  }
}
