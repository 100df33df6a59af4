package io.densefractal.spark;

import io.densefractal.data.ImageFolderDataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Test tables: an image folder written as a Parquet table by Spark, row for file. */
public final class ImageTables {
  private ImageTables() {}

  /**
   * Writes {@code folder}'s images, in the folder dataset's order, as the table {@code out} in
   * {@code parts} part files: columns {@code image} (the file's bytes) and {@code label} (the class
   * name).
   */
  public static void write(SparkSession spark, ImageFolderDataset folder, String out, int parts) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < folder.size(); i++) {
      rows.add(RowFactory.create(bytes(folder, i), folder.classes().get(folder.label(i))));
    }
    StructType schema =
        new StructType()
            .add("image", DataTypes.BinaryType, true)
            .add("label", DataTypes.StringType, true);
    write(spark, rows, schema, out, parts);
  }

  /** Writes {@code rows} as the table {@code out} in {@code parts} part files, in order. */
  public static void write(
      SparkSession spark, List<Row> rows, StructType schema, String out, int parts) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    spark.createDataFrame(sc.parallelize(rows, parts), schema).write().parquet(out);
  }

  /** The bytes of image {@code i}'s file. */
  public static byte[] bytes(ImageFolderDataset folder, int i) {
    try {
      return Files.readAllBytes(folder.file(i));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
