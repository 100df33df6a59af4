package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job on an embedded {@code local[2]} Spark against single-process predictions. */
class SparkPredictJobTest {
  private static final int TOP = 3;

  @TempDir static Path dir;
  static SparkSession spark;
  static Path weights;
  static List<Path> pngs;
  static Map<String, List<ClassScore>> expected;

  @BeforeAll
  static void setUp() throws IOException {
    weights = Fixtures.weights(dir.resolve("w.safetensors"), 7);
    pngs = Fixtures.pngs(dir.resolve("images"), 60);
    // Two files that are no images: the job must give them an error and go on.
    Files.createDirectories(dir.resolve("images/damaged"));
    byte[] png = Files.readAllBytes(pngs.get(0));
    Files.write(dir.resolve("images/damaged/cut.png"), java.util.Arrays.copyOf(png, 40));
    Files.writeString(dir.resolve("images/damaged/notes.txt"), "not an image\n");
    expected = Fixtures.predict(weights, pngs, TOP);
    spark = SparkSessions.start("local[2]", Map.of());
  }

  @AfterAll
  static void tearDown() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static PredictOptions options(int batch) {
    return new PredictOptions(
        new JobModel(null, weights.toString(), null, false, null, "libtorch"),
        batch,
        TOP,
        null,
        false);
  }

  @Test
  void folderEqualsSingleProcessPredictAndDamagedFilesGetAnError() {
    String out = dir.resolve("folder.parquet").toString();
    JobResult result =
        SparkPredictJob.run(
            spark,
            new PredictJob(
                ImageInput.folder(dir.resolve("images").toString(), null),
                out,
                false,
                options(8),
                null));

    assertThat(result.rows()).isEqualTo(62);
    assertThat(result.errors()).isEqualTo(2);
    Map<String, Row> rows = Predictions.read(spark, out);
    assertThat(rows).hasSize(62);
    expected.forEach((file, scores) -> Predictions.assertSame(rows.get(file), scores));
    Row cut = rows.get(dir.resolve("images/damaged/cut.png").toString());
    assertThat(cut.getString(4)).contains("cut.png");
    assertThat(cut.isNullAt(1)).isTrue();
    assertThat(rows.get(dir.resolve("images/damaged/notes.txt").toString()).getString(4))
        .contains("notes.txt")
        .contains("not a JPEG or PNG");
  }

  @Test
  void parquetTableEqualsSingleProcessPredict() throws IOException {
    StructType schema =
        new StructType()
            .add("sku", DataTypes.StringType, false)
            .add("jpeg", DataTypes.BinaryType, true);
    List<Row> table = new ArrayList<>();
    for (Path png : pngs) {
      table.add(RowFactory.create(png.toString(), Files.readAllBytes(png)));
    }
    table.add(RowFactory.create("missing", null));
    String in = dir.resolve("table.parquet").toString();
    spark.createDataFrame(table, schema).repartition(3).write().parquet(in);
    String out = dir.resolve("from-table.parquet").toString();

    JobResult result =
        SparkPredictJob.run(
            spark,
            new PredictJob(ImageInput.parquet(in, "jpeg", "sku"), out, false, options(16), 5));

    assertThat(result.rows()).isEqualTo(61);
    assertThat(result.errors()).isEqualTo(1);
    Map<String, Row> rows = Predictions.read(spark, out);
    expected.forEach((file, scores) -> Predictions.assertSame(rows.get(file), scores));
    assertThat(rows.get("missing").getString(4)).contains("missing").contains("no bytes");
    assertThat(spark.read().parquet(out).schema().fieldNames())
        .containsExactly("sku", "classes", "names", "probabilities", "error");
  }

  @Test
  void emptyFolderGivesAnEmptyTable() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    String out = dir.resolve("empty.parquet").toString();

    JobResult result =
        SparkPredictJob.run(
            spark, new PredictJob(ImageInput.folder(empty.toString(), null), out, false,
                options(8), null));

    assertThat(result.rows()).isZero();
    assertThat(spark.read().parquet(out).schema().fieldNames())
        .containsExactly("path", "classes", "names", "probabilities", "error");
  }

  @Test
  void globSelectsFiles() {
    String out = dir.resolve("glob.parquet").toString();
    JobResult result =
        SparkPredictJob.run(
            spark,
            new PredictJob(
                ImageInput.folder(dir.resolve("images").toString(), "*.png"),
                out,
                false,
                options(32),
                null));
    assertThat(result.rows()).isEqualTo(61); // the .txt file is left out
    assertThat(result.errors()).isEqualTo(1);
  }

  @Test
  void embeddingsAndTopKOfAnOnnxModelEqualSingleProcessOnnxRuntime() throws Exception {
    Path onnx = Fixtures.torchOnnxExport(dir.resolve("onnx"));
    List<Path> files = pngs.subList(0, 20);
    Map<String, float[]> embeddings = new java.util.HashMap<>();
    Map<String, List<ClassScore>> top = new java.util.HashMap<>();
    try (ImageClassifier c =
        Classifiers.open(ModelSource.ofWeights(onnx), Engine.ONNXRUNTIME, 1)) {
      for (Path f : files) {
        float[] x = c.preprocess(ImageFiles.read(f, c.transforms().channels()));
        embeddings.put(f.toString(), c.embeddings(x, 1));
        top.put(f.toString(), TopK.of(c.logits(x, 1, null), c.classes(), TOP).get(0));
      }
    }
    Path in = dir.resolve("onnx-images");
    for (Path f : files) {
      Files.createDirectories(in);
      Files.copy(f, in.resolve(f.getFileName()));
    }
    String out = dir.resolve("embedded.parquet").toString();
    JobModel model = new JobModel(null, onnx.toString(), null, false, null, "onnxruntime");

    JobResult result =
        SparkPredictJob.run(
            spark,
            new PredictJob(
                ImageInput.folder(in.toString(), null),
                out,
                false,
                new PredictOptions(model, 8, TOP, null, true),
                null));

    assertThat(result.rows()).isEqualTo(20);
    assertThat(result.errors()).isZero();
    assertThat(spark.read().parquet(out).schema().fieldNames())
        .containsExactly("path", "classes", "names", "probabilities", "embedding", "error");
    Map<String, Row> rows = Predictions.read(spark, out);
    for (Path f : files) {
      String key = in.resolve(f.getFileName()).toString();
      Row row = rows.get(key);
      Predictions.assertSame(
          Predictions.withoutEmbedding(row), top.get(f.toString()));
      List<Float> e = row.getList(4);
      float[] want = embeddings.get(f.toString());
      assertThat(e).hasSize(want.length);
      for (int j = 0; j < want.length; j++) {
        assertThat(e.get(j)).as("embedding %d of %s", j, key).isCloseTo(want[j], within(1e-5f));
      }
    }
  }
}
