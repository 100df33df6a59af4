package io.densefractal.spark;

/**
 * Where a job's images come from.
 *
 * @param path a folder tree of image files, or a Parquet table (file or folder); local paths or
 *     any URI Spark reads ({@code hdfs://}, {@code s3a://}, ...)
 * @param parquet true for a Parquet table, false for a folder of image files
 * @param glob folder input: only files whose name matches this glob ({@code *.png}), or null for
 *     all files
 * @param imageColumn Parquet input: the binary column holding each image's encoded bytes
 * @param idColumn Parquet input: the column identifying each row, copied to the output
 */
public record ImageInput(
    String path, boolean parquet, String glob, String imageColumn, String idColumn) {

  /** The output column of a folder input's file paths. */
  public static final String PATH = "path";

  public static ImageInput folder(String path, String glob) {
    return new ImageInput(path, false, glob, null, null);
  }

  public static ImageInput parquet(String path, String imageColumn, String idColumn) {
    return new ImageInput(path, true, null, imageColumn, idColumn);
  }
}
