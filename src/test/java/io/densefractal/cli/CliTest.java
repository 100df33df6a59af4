package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end, in-process: outputs, files and exit codes (0 ok, 2 usage, 1 failure). */
class CliTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {}

  /** Seeded random weights of resnet20_cifar for grey-scale input, as a .pth file. */
  static void writeRandomWeights(Path file) {
    try (LoadedModel m =
        LoadedModel.random(
            io.densefractal.models.ModelZoo.get("resnet20_cifar"),
            new io.densefractal.models.ModelOptions(10, 1),
            0)) {
      io.densefractal.weights.pth.PthWriter.write(m.stateDict(), file);
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void listJsonHasEveryModelWithExactCounts() {
    Result r = run("summary", "--list", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonArray models = JsonParser.parseString(r.out()).getAsJsonArray();
    Map<String, JsonObject> byName = new HashMap<>();
    for (JsonElement e : models) {
      JsonObject o = e.getAsJsonObject();
      assertThat(o.keySet()).contains("name", "params", "macs", "inputSize");
      byName.put(o.get("name").getAsString(), o);
    }
    assertThat(byName.get("resnet50").get("params").getAsLong()).isEqualTo(25_557_032L);
    assertThat(byName.get("resnet50").get("macs").getAsLong() / 1e9).isBetween(4.0885, 4.0895);
    assertThat(byName.get("resnet50").get("inputSize").getAsInt()).isEqualTo(224);
    assertThat(byName.get("resnext101_32x8d").get("params").getAsLong()).isEqualTo(88_791_336L);
    assertThat(byName.get("resnet110_cifar").get("inputSize").getAsInt()).isEqualTo(32);
  }

  @Test
  void summaryTableShowsLayersAndTotals() {
    Result r = run("summary", "resnet18");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("layer1.0.conv1", "fc", "11,689,512", "1.814 G");
  }

  @Test
  void inferExportImportRoundTripGivesIdenticalLogits() throws Exception {
    Path input = dir.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new long[] {2, 1, 32, 32}, ramp(2 * 32 * 32)), input);
    Path logits = dir.resolve("y.npy");
    Result r =
        run(
            "infer",
            "--model",
            "resnet20_cifar",
            "--in-channels",
            "1",
            "--seed",
            "3",
            "--input",
            input.toString(),
            "--output",
            logits.toString(),
            "--top",
            "2");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(Npy.read(logits).shape()).containsExactly(2, 10);

    // Same seed through demo-like files: infer → weights can be exported and imported again.
    Path st = dir.resolve("w.safetensors");
    Path pth = dir.resolve("w.pth");
    Path random = dir.resolve("random.pth");
    writeRandomWeights(random);
    assertThat(
            run(
                    "import",
                    "--model",
                    "resnet20_cifar",
                    "--in-channels",
                    "1",
                    "--from",
                    random.toString(),
                    "--to",
                    st.toString())
                .code())
        .isZero();
    assertThat(
            run(
                    "export",
                    "--model",
                    "resnet20_cifar",
                    "--in-channels",
                    "1",
                    "--weights",
                    st.toString(),
                    "--to",
                    pth.toString())
                .code())
        .isZero();
    Path a = dir.resolve("a.npy");
    Path b = dir.resolve("b.npy");
    assertThat(
            run(
                    "infer",
                    "-m",
                    "resnet20_cifar",
                    "--in-channels",
                    "1",
                    "--weights",
                    random.toString(),
                    "--input",
                    input.toString(),
                    "--output",
                    a.toString())
                .code())
        .isZero();
    assertThat(
            run(
                    "infer",
                    "-m",
                    "resnet20_cifar",
                    "--in-channels",
                    "1",
                    "--weights",
                    pth.toString(),
                    "--input",
                    input.toString(),
                    "--output",
                    b.toString())
                .code())
        .isZero();
    assertThat(Npy.read(b).toFloatArray()).containsExactly(Npy.read(a).toFloatArray());
  }

  @Test
  void benchJsonHasTheDocumentedFields() {
    for (String[] extra :
        new String[][] {{"--mode", "infer"}, {"--mode", "train", "--memory-efficient"}}) {
      String[] args = {
        "bench", "-m", "densenet_bc16_k4", "--batch", "2", "--warmup", "0", "--iters", "2", "--json"
      };
      String[] all =
          java.util.stream.Stream.concat(Arrays.stream(args), Arrays.stream(extra))
              .toArray(String[]::new);
      Result r = run(all);
      assertThat(r.code()).as(r.err()).isZero();
      JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
      assertThat(o.keySet())
          .contains(
              "model",
              "mode",
              "batch",
              "size",
              "threads",
              "median_ms",
              "min_ms",
              "max_ms",
              "images_per_s",
              "peak_rss_mb");
      assertThat(o.get("size").getAsInt()).isEqualTo(32);
      assertThat(o.get("median_ms").getAsDouble()).isPositive();
    }
    assertThat(run("bench", "-m", "resnet20_cifar", "--memory-efficient", "--iters", "1").err())
        .contains("no memory-efficient mode");
    Result budget =
        run(
            "bench",
            "-m",
            "densenet_bc16_k4",
            "--size",
            "16",
            "--batch",
            "4",
            "--memory-efficient",
            "--tail-budget",
            "0",
            "--warmup",
            "0",
            "--iters",
            "1",
            "--json");
    assertThat(budget.code()).as(budget.err()).isZero();
    assertThat(
            JsonParser.parseString(budget.out().lines().reduce((a, b) -> b).orElseThrow())
                .getAsJsonObject()
                .get("tail_budget")
                .getAsDouble())
        .isZero();
    Result paired =
        run(
            "bench",
            "-m",
            "densenet_bc16_k4",
            "--size",
            "16",
            "--batch",
            "4",
            "--memory-efficient",
            "--versus-standard",
            "--warmup",
            "0",
            "--iters",
            "3",
            "--json");
    assertThat(paired.code()).as(paired.err()).isZero();
    JsonObject pair =
        JsonParser.parseString(paired.out().lines().reduce((a, b) -> b).orElseThrow())
            .getAsJsonObject();
    assertThat(pair.get("standard_median_ms").getAsDouble()).isPositive();
    assertThat(pair.get("median_ratio_to_standard").getAsDouble()).isPositive();
    assertThat(run("bench", "-m", "densenet_bc16_k4", "--versus-standard").err())
        .contains("--versus-standard compares --memory-efficient steps");
    Result negative =
        run("bench", "-m", "densenet_bc16_k4", "--memory-efficient", "--tail-budget", "-1");
    assertThat(negative.code()).isNotZero();
    assertThat(negative.err()).contains("--tail-budget must be >= 0");
    // Channels-last training is an explicit opt-in.
    Result layout =
        run(
            "bench",
            "-m",
            "resnet20_cifar",
            "--memory-format",
            "CHANNELS_LAST",
            "--warmup",
            "0",
            "--iters",
            "1",
            "--json");
    assertThat(layout.code()).as(layout.err()).isZero();
    JsonObject trained =
        JsonParser.parseString(layout.out().lines().reduce((a, b) -> b).orElseThrow())
            .getAsJsonObject();
    assertThat(trained.get("memory_format").getAsString()).isEqualTo("CHANNELS_LAST");
    assertThat(trained.get("mode").getAsString()).isEqualTo("train");
    Result nchw =
        run(
            "bench",
            "-m",
            "resnet20_cifar",
            "--mode",
            "infer",
            "--batch",
            "2",
            "--memory-format",
            "CONTIGUOUS",
            "--warmup",
            "0",
            "--iters",
            "1",
            "--json");
    assertThat(nchw.code()).as(nchw.err()).isZero();
    assertThat(
            JsonParser.parseString(nchw.out()).getAsJsonObject().get("memory_format").getAsString())
        .isEqualTo("CONTIGUOUS");
  }

  @Test
  void fractalNetColumnsRunAloneFromTheCli() throws Exception {
    Result summary = run("summary", "fractalnet20");
    assertThat(summary.code()).as(summary.err()).isZero();
    assertThat(summary.out())
        .contains("column 1 alone (--column 1): 5 conv layers")
        .contains("column 3 alone (--column 3): 20 conv layers");
    Path input = dir.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new long[] {2, 3, 32, 32}, ramp(2 * 3 * 32 * 32)), input);
    Result column =
        run(
            "infer",
            "-m",
            "fractalnet20",
            "--column",
            "2",
            "--input",
            input.toString(),
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(column.code()).as(column.err()).isZero();
    assertThat(Npy.read(dir.resolve("y.npy")).shape()).containsExactly(2, 10);
    Result bad =
        run(
            "infer",
            "-m",
            "fractalnet20",
            "--column",
            "4",
            "--input",
            input.toString(),
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(bad.code()).isEqualTo(2); // --column's value: a usage error
    assertThat(bad.err()).contains("1..3").hasLineCount(1);
  }

  @Test
  void usageErrorsExitWith2() {
    assertThat(run("infer", "--model", "resnet18").code()).isEqualTo(2);
    assertThat(run("summary").code()).isEqualTo(2);
    assertThat(run("no-such-command").code()).isEqualTo(2);
    assertThat(run("summary", "resnet18", "--size", "abc").code()).isEqualTo(2);
  }

  @Test
  void failuresExitWith1AndOneClearLine() throws Exception {
    Result unknown = run("summary", "resnet51");
    assertThat(unknown.code()).isEqualTo(2); // a model name is a usage error
    assertThat(unknown.err()).startsWith("error: unknown model 'resnet51'").hasLineCount(1);

    Result missing =
        run(
            "infer",
            "-m",
            "resnet18",
            "--input",
            dir.resolve("nope.npy").toString(),
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("nope.npy").hasLineCount(1);

    Path garbage = dir.resolve("garbage.pth");
    Files.writeString(garbage, "this is not a checkpoint");
    Path input = dir.resolve("x.npy");
    Npy.write(Tensor.ofFloats(new long[] {1, 3, 32, 32}, ramp(3 * 32 * 32)), input);
    Result bad =
        run(
            "infer",
            "-m",
            "resnet20_cifar",
            "--weights",
            garbage.toString(),
            "--input",
            input.toString(),
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).startsWith("error: ").hasLineCount(1);

    // Weights of another model: the strict report names the mismatch.
    Path r20 = dir.resolve("r20.pth");
    writeRandomWeights(r20);
    Result wrong =
        run(
            "infer",
            "-m",
            "resnet32_cifar",
            "--in-channels",
            "1",
            "--weights",
            r20.toString(),
            "--input",
            input.toString(),
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.err()).contains("missing").hasLineCount(1);

    Result channels =
        run(
            "infer",
            "-m",
            "resnet20_cifar",
            "--input",
            input.toString(),
            "--in-channels",
            "1",
            "--output",
            dir.resolve("y.npy").toString());
    assertThat(channels.code()).isEqualTo(1);
    assertThat(channels.err()).contains("(N, 1, H, W)").hasLineCount(1);
  }

  private static float[] ramp(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) Math.sin(i * 0.37);
    }
    return v;
  }
}
