package io.densefractal.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The columns a prediction job writes. */
final class PredictionSchema {
  static final String CLASSES = "classes";
  static final String NAMES = "names";
  static final String PROBABILITIES = "probabilities";
  static final String EMBEDDING = "embedding";
  static final String ERROR = "error";

  private PredictionSchema() {}

  /**
   * The row's id as read (the file's path, or the table's id column); with {@code top}, the top
   * classes most probable first (their indices, names and probabilities); with {@code embed}, the
   * embedding; last the error that stopped the row (null when it was predicted; then the other
   * columns are null).
   */
  static StructType of(StructField id, boolean top, boolean embed) {
    List<StructField> fields = new ArrayList<>();
    fields.add(id);
    if (top) {
      fields.add(array(CLASSES, DataTypes.IntegerType));
      fields.add(array(NAMES, DataTypes.StringType));
      fields.add(array(PROBABILITIES, DataTypes.FloatType));
    }
    if (embed) {
      fields.add(array(EMBEDDING, DataTypes.FloatType));
    }
    fields.add(DataTypes.createStructField(ERROR, DataTypes.StringType, true));
    return new StructType(fields.toArray(StructField[]::new));
  }

  private static StructField array(String name, DataType element) {
    return DataTypes.createStructField(name, DataTypes.createArrayType(element, false), true);
  }
}
