package io.densefractal.spark.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.data.DataSplits;
import io.densefractal.data.DatasetFormatException;
import io.densefractal.data.DatasetNotFoundException;
import io.densefractal.data.Datasets;
import io.densefractal.data.Image;
import io.densefractal.data.ImageDataset;
import io.densefractal.data.ImageFolderDataset;
import io.densefractal.spark.ImageTables;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet tables as training data: layouts, labels, class names and refusals. */
class ParquetDatasetsTest {
  @TempDir static Path dir;
  static ImageFolderDataset folder;
  static SparkSession spark;

  @BeforeAll
  static void writeImages() throws IOException {
    spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("parquet datasets test")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    Path images = dir.resolve("images");
    for (int i = 0; i < 12; i++) {
      Path classDir = images.resolve(i % 3 == 0 ? "cat" : i % 3 == 1 ? "dog" : "eel");
      Files.createDirectories(classDir);
      Files.write(classDir.resolve(String.format("%02d.png", i)), png(i));
    }
    folder = ImageFolderDataset.scan(images);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void aTableHoldsTheFolderRowForRowAcrossPartFiles() {
    String table = dir.resolve("named.parquet").toString();
    ImageTables.write(spark, folder, table, 4);
    ParquetDatasets provider = new ParquetDatasets();
    assertThat(provider.accepts(table, null)).isTrue();
    ParquetImageTable t = ParquetImageTable.read(table, Long.MAX_VALUE);
    ImageDataset d = ParquetDatasets.datasets(List.of(t)).get(0);
    assertThat(d.classes()).containsExactly("cat", "dog", "eel");
    assertThat(d.size()).isEqualTo(folder.size());
    for (int i = 0; i < d.size(); i++) {
      assertThat(d.label(i)).isEqualTo(folder.label(i));
      assertSame(d.image(i), folder.image(i));
    }
    // The single table is split by the validation fraction, as a folder of classes is.
    DataSplits splits = Datasets.open(table, null, 0.25, 3);
    DataSplits folderSplits = Datasets.open(folder.root().toString(), null, 0.25, 3);
    assertThat(splits.train().size()).isEqualTo(folderSplits.train().size());
    assertThat(splits.test().size()).isEqualTo(folderSplits.test().size());
    assertThat(splits.transforms().size()).isEqualTo(folderSplits.transforms().size());
  }

  @Test
  void huggingFaceLayoutAndIndexLabels() throws IOException {
    // Hugging Face's datasets writes images as struct<bytes, path> and labels as int64.
    StructType image =
        new StructType()
            .add("bytes", DataTypes.BinaryType, true)
            .add("path", DataTypes.StringType, true);
    StructType schema =
        new StructType().add("image", image, true).add("label", DataTypes.LongType, true);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < folder.size(); i++) {
      rows.add(
          RowFactory.create(
              RowFactory.create(ImageTables.bytes(folder, i), "x.png"), (long) folder.label(i)));
    }
    Path root = dir.resolve("hf");
    ImageTables.write(
        spark, rows.subList(0, 9), schema, root.resolve("train.parquet").toString(), 2);
    ImageTables.write(
        spark, rows.subList(9, 12), schema, root.resolve("test.parquet").toString(), 1);

    ParquetDatasets provider = new ParquetDatasets();
    assertThat(provider.accepts(root.toString(), null)).isTrue();
    assertThat(provider.accepts("hf", root.getParent())).isTrue();
    DataSplits splits = Datasets.open(root.toString(), null, 0.1, 0);
    assertThat(splits.train().size()).isEqualTo(9);
    assertThat(splits.test().size()).isEqualTo(3);
    assertThat(splits.train().classes()).containsExactly("0", "1", "2");
    for (int i = 0; i < 3; i++) {
      assertThat(splits.test().label(i)).isEqualTo(folder.label(9 + i));
      assertSame(splits.test().image(i), folder.image(9 + i));
    }

    // The same files as Hugging Face names them: data/train-00000-of-00002.parquet, ...
    Path data = Files.createDirectories(dir.resolve("hf-data"));
    copyParts(root.resolve("train.parquet"), data, "train");
    copyParts(root.resolve("test.parquet"), data, "test");
    assertThat(provider.accepts(data.toString(), null)).isTrue();
    DataSplits named = Datasets.open(data.toString(), null, 0.1, 0);
    assertThat(named.train().size()).isEqualTo(9);
    assertThat(named.test().size()).isEqualTo(3);
    for (int i = 0; i < 9; i++) {
      assertThat(named.train().label(i)).isEqualTo(folder.label(i));
      assertSame(named.train().image(i), folder.image(i));
    }
  }

  /** The part files of a Spark-written table as {@code <split>-0000i-of-0000n.parquet}. */
  private static void copyParts(Path table, Path to, String split) throws IOException {
    List<Path> parts;
    try (var files = Files.list(table)) {
      parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
    }
    for (int i = 0; i < parts.size(); i++) {
      String name = String.format("%s-%05d-of-%05d.parquet", split, i, parts.size());
      Files.copy(parts.get(i), to.resolve(name));
    }
  }

  @Test
  void huggingFaceClassNamesComeFromTheMetadata() {
    String json =
        "{\"info\": {\"features\": {\"image\": {\"_type\": \"Image\"}, \"label\": {\"names\":"
            + " [\"cat\", \"dog\", \"eel\"], \"_type\": \"ClassLabel\"}}}}";
    assertThat(ParquetImageTable.huggingFaceNames(Map.of("huggingface", json)))
        .contains(List.of("cat", "dog", "eel"));
    assertThat(ParquetImageTable.huggingFaceNames(Map.of("huggingface", "{not json"))).isEmpty();
    assertThat(ParquetImageTable.huggingFaceNames(Map.of())).isEmpty();
  }

  @Test
  void refusals() {
    StructType noLabel = new StructType().add("image", DataTypes.BinaryType, true);
    String t1 = dir.resolve("nolabel.parquet").toString();
    ImageTables.write(spark, List.of(RowFactory.create((Object) new byte[] {1})), noLabel, t1, 1);
    assertThatThrownBy(() -> Datasets.open(t1, null, 0.1, 0))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("has no 'label' column (it has image)");

    StructType floatLabel =
        new StructType()
            .add("image", DataTypes.BinaryType, true)
            .add("label", DataTypes.DoubleType, true);
    String t2 = dir.resolve("float.parquet").toString();
    ImageTables.write(spark, List.of(RowFactory.create(new byte[] {1}, 1.0)), floatLabel, t2, 1);
    assertThatThrownBy(() -> Datasets.open(t2, null, 0.1, 0))
        .hasMessageContaining("class name (string) or a class index (integer)");

    StructType named =
        new StructType()
            .add("image", DataTypes.BinaryType, true)
            .add("label", DataTypes.StringType, true);
    String t3 = dir.resolve("null.parquet").toString();
    ImageTables.write(
        spark,
        List.of(RowFactory.create(new byte[] {1}, "a"), RowFactory.create(null, "b")),
        named,
        t3,
        1);
    assertThatThrownBy(() -> Datasets.open(t3, null, 0.1, 0))
        .hasMessageContaining("row 1 of Parquet table " + t3 + " has no image (null)");

    String t4 = dir.resolve("empty.parquet").toString();
    ImageTables.write(spark, List.of(), named, t4, 1);
    assertThatThrownBy(() -> Datasets.open(t4, null, 0.1, 0)).hasMessageContaining("has no rows");

    String t5 = dir.resolve("budget.parquet").toString();
    ImageTables.write(spark, folder, t5, 1);
    assertThatThrownBy(() -> ParquetImageTable.read(t5, 100))
        .hasMessageContaining("more than this JVM may keep in memory");

    String t6 = dir.resolve("garbage.parquet").toString();
    ImageTables.write(spark, List.of(RowFactory.create(new byte[] {1, 2, 3}, "a")), named, t6, 1);
    ImageDataset garbage =
        ParquetDatasets.datasets(List.of(ParquetImageTable.read(t6, Long.MAX_VALUE))).get(0);
    assertThatThrownBy(() -> garbage.image(0))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("row 0 of " + t6);

    assertThatThrownBy(() -> Datasets.open(dir.resolve("none.parquet").toString(), null, 0.1, 0))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("does not exist");
  }

  private static void assertSame(Image a, Image b) {
    assertThat(a.width()).isEqualTo(b.width());
    assertThat(a.height()).isEqualTo(b.height());
    assertThat(a.pixels()).containsExactly(b.pixels());
  }

  /** A small RGB PNG that differs per {@code i}. */
  private static byte[] png(int i) throws IOException {
    BufferedImage img = new BufferedImage(6 + i, 5, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 5; y++) {
      for (int x = 0; x < 6 + i; x++) {
        img.setRGB(x, y, (x * 40 + i * 7) << 16 | (y * 50) << 8 | (i * 20));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }
}
