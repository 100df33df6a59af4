package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.densefractal.inference.ClassScore;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/** Reads a job's Parquet output back and compares it with single-process predictions. */
final class Predictions {
  private Predictions() {}

  /**
   * The output rows by id: the id column's value as a string, a file's URI ({@code file:/a/b.png},
   * as Spark's binaryFile source writes it) as its path.
   */
  static Map<String, Row> read(SparkSession spark, String out) {
    Map<String, Row> rows = new HashMap<>();
    for (Row r : spark.read().parquet(out).collectAsList()) {
      String id = String.valueOf(r.get(0));
      if (id.startsWith("file:")) {
        id = Path.of(URI.create(id)).toString();
      }
      Row previous = rows.put(id, r);
      assertThat(previous).as("row %s written twice", r.get(0)).isNull();
    }
    return rows;
  }

  /**
   * Same top-k classes (names too) in the same order, probabilities within 1e-5. Classes whose
   * probabilities are themselves within 1e-5 of each other may come in either order.
   */
  static void assertSame(Row row, List<ClassScore> expected) {
    assertThat(row.isNullAt(4)).as("error of %s: %s", row.get(0), row.get(4)).isTrue();
    List<Integer> classes = row.getList(1);
    List<String> names = row.getList(2);
    List<Float> probabilities = row.getList(3);
    assertThat(classes).hasSameSizeAs(expected);
    for (int j = 0; j < expected.size(); j++) {
      ClassScore e = expected.get(j);
      assertThat(probabilities.get(j)).as("p%d of %s", j, row.get(0)).isCloseTo(e.probability(),
          within(1e-5f));
      boolean tie =
          (j > 0 && Math.abs(expected.get(j - 1).probability() - e.probability()) < 1e-5)
              || (j + 1 < expected.size()
                  && Math.abs(expected.get(j + 1).probability() - e.probability()) < 1e-5);
      if (!tie) {
        assertThat(classes.get(j)).as("class %d of %s", j, row.get(0)).isEqualTo(e.index());
        assertThat(names.get(j)).isEqualTo(e.name());
      }
    }
  }

  /** The row without its embedding column (the 5th of id, top-k, embedding, error). */
  static Row withoutEmbedding(Row row) {
    return RowFactory.create(row.get(0), row.get(1), row.get(2), row.get(3), row.get(5));
  }
}
