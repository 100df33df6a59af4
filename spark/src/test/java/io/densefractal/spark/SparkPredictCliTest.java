package io.densefractal.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code densefractal spark predict} end to end: exit codes and one-line errors. */
class SparkPredictCliTest {
  @TempDir static Path dir;
  static Path weights;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void setUp() {
    weights = Fixtures.weights(dir.resolve("w.safetensors"), 3);
    Fixtures.pngs(dir.resolve("images"), 12);
  }

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SparkMain.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(code, out.toString(), err.toString());
  }

  private static Result predict(String data, String out, String... more) {
    String[] base = {
      "predict", "--master", "local[2]", "--data", data, "--out", out, "--weights",
      weights.toString()
    };
    String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, args, base.length, more.length);
    return run(args);
  }

  @Test
  void predictsAFolderAndSaysWhatItWrote() throws IOException {
    Path out = dir.resolve("out.parquet");
    Files.writeString(dir.resolve("images/readme.txt"), "no image");

    Result r = predict(dir.resolve("images").toString(), out.toString(), "--batch", "4");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("13 images (1 with an error)").contains("local[2]");
    assertThat(out.resolve("_SUCCESS")).exists();

    // Written once: a second run refuses to replace it unless told to.
    Result again = predict(dir.resolve("images").toString(), out.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err().strip()).startsWith("error: output").contains("--overwrite").doesNotContain("\n");
  }

  @Test
  void missingInputIsOneLineAndExit1() {
    Result r = predict(dir.resolve("nowhere").toString(), dir.resolve("o1.parquet").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).contains("nowhere").contains("does not exist").doesNotContain("\n");
    assertThat(dir.resolve("o1.parquet")).doesNotExist();
  }

  @Test
  void unwritableOutputIsOneLineAndExit1() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Result r = predict(dir.resolve("images").toString(), file.resolve("out.parquet").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).contains("cannot write output").doesNotContain("\n");
  }

  @Test
  void missingWeightsIsOneLineAndExit1() {
    Result r =
        run(
            "predict", "--data", dir.resolve("images").toString(), "--out",
            dir.resolve("o2.parquet").toString(), "--weights", dir.resolve("no.safetensors").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().strip()).contains("no.safetensors").doesNotContain("\n");
  }

  @Test
  void badFlagValuesAreUsageErrors() {
    assertThat(predict(dir.resolve("images").toString(), dir.resolve("o3").toString(), "--batch", "0").code())
        .isEqualTo(2);
    assertThat(run("predict", "--out", "x", "--weights", weights.toString()).code()).isEqualTo(2);
  }
}
