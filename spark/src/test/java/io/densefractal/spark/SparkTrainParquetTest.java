package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.data.ImageFolderDataset;
import io.densefractal.train.Checkpoint;
import io.densefractal.train.Trainer;
import io.densefractal.weights.StateDict;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spark train --data TABLE}: a Parquet table trains exactly as the image folder it was
 * written from (same rows in the same order, same bytes), and a bad table is one line.
 */
class SparkTrainParquetTest {
  private static SparkSession spark() {
    return SparkSessions.start("local[2]", Map.of("spark.app.name", "parquet test"));
  }

  @AfterAll
  static void stopSpark() {
    spark().stop();
  }

  @Test
  void aTableTrainsExactlyAsTheFolderItWasWrittenFrom(@TempDir Path dir) {
    Path folder = dir.resolve("images");
    Fixtures.pngs(folder, 80);
    String table = dir.resolve("images.parquet").toString();
    ImageTables.write(spark(), ImageFolderDataset.scan(folder), table, 3);

    StateDict fromFolder = train(folder.toString(), dir.resolve("run-folder"));
    StateDict fromTable = train(table, dir.resolve("run-table"));

    assertThat(fromTable.tensors().keySet()).isEqualTo(fromFolder.tensors().keySet());
    fromFolder
        .tensors()
        .forEach(
            (k, t) ->
                assertThat(fromTable.tensors().get(k).toFloatArray())
                    .as(k)
                    .containsExactly(t.toFloatArray()));
  }

  @Test
  void aBadTableIsOneLineAndNoRun(@TempDir Path dir) {
    String[][] cases = {
      {dir.resolve("nothing.parquet").toString(), "does not exist"},
    };
    for (String[] c : cases) {
      StringWriter err = new StringWriter();
      Path run = dir.resolve("run");
      int code =
          SparkMain.run(
              new String[] {
                "train",
                "-m",
                "resnet20_cifar",
                "--data",
                c[0],
                "--master",
                "local[2]",
                "--conf",
                "spark.ui.enabled=false",
                "--out",
                run.toString()
              },
              new PrintWriter(new StringWriter()),
              new PrintWriter(err));
      assertThat(code).isEqualTo(1);
      assertThat(err.toString()).contains(c[1]).hasLineCount(1);
      assertThat(run.resolve(Trainer.LAST)).doesNotExist();
    }
  }

  /** One epoch of three steps on two workers; the last checkpoint's weights. */
  private static StateDict train(String data, Path run) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        SparkMain.run(
            new String[] {
              "train",
              "-m",
              "resnet20_cifar",
              "--data",
              data,
              "--image-size",
              "32",
              "--val-fraction",
              "0.25",
              "--epochs",
              "1",
              "--batch-size",
              "20",
              "--seed",
              "7",
              "--workers",
              "2",
              "--master",
              "local[2]",
              "--conf",
              "spark.ui.enabled=false",
              "--out",
              run.toString()
            },
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).contains("data-parallel: 3 steps");
    return Checkpoint.read(run.resolve(Trainer.LAST)).model();
  }
}
