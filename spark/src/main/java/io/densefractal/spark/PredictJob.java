package io.densefractal.spark;

/**
 * One batch-prediction job: images in, a Parquet table of predictions out.
 *
 * @param input the images
 * @param out the Parquet output (a folder of part files, as Spark writes it)
 * @param overwrite replace {@code out} when it exists (else the job refuses to start)
 * @param options the model and what each partition does
 * @param partitions the number of partitions to spread the rows over, or null for Spark's split
 *     (raised to the default parallelism when the input has fewer partitions than that)
 */
public record PredictJob(
    ImageInput input, String out, boolean overwrite, PredictOptions options, Integer partitions) {
  public PredictJob {
    if (partitions != null && partitions < 1) {
      throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
    }
  }
}
