package io.densefractal.spark;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The columns a prediction job writes. */
final class PredictionSchema {
  static final String CLASSES = "classes";
  static final String NAMES = "names";
  static final String PROBABILITIES = "probabilities";
  static final String ERROR = "error";

  private PredictionSchema() {}

  /**
   * The row's id as read (the file's path, or the table's id column), the top classes most probable
   * first (their indices, names and probabilities), and the error that stopped the row (null when
   * it was predicted; then the top-k columns are null).
   */
  static StructType of(StructField id) {
    return new StructType(
        new StructField[] {
          id,
          DataTypes.createStructField(
              CLASSES, DataTypes.createArrayType(DataTypes.IntegerType, false), true),
          DataTypes.createStructField(
              NAMES, DataTypes.createArrayType(DataTypes.StringType, false), true),
          DataTypes.createStructField(
              PROBABILITIES, DataTypes.createArrayType(DataTypes.FloatType, false), true),
          DataTypes.createStructField(ERROR, DataTypes.StringType, true)
        });
  }
}
