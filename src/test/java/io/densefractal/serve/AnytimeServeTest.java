package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.get;
import static io.densefractal.serve.ServeTesting.picture;
import static io.densefractal.serve.ServeTesting.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.densefractal.cli.Main;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A FractalNet-20 (random weights, grey 32×32) served: columns asked for, or chosen by deadline. */
class AnytimeServeTest {
  @TempDir static Path dir;
  static Path weights;
  static Path image;
  static InferenceServer server;
  static ImageClassifier reference;

  @BeforeAll
  static void start() throws Exception {
    weights = ServeTesting.randomWeights("fractalnet20", 32, dir.resolve("fn20.safetensors"));
    server =
        ServeTesting.start(
            ServeTesting.config(
                ServeTesting.model("fn", weights, 4, 2, 32),
                // The same weights on ONNX Runtime: exported at start-up, each column too.
                new ModelConfig(
                    "fno", ModelSource.ofWeights(weights), 4, 0, 32, Engine.ONNXRUNTIME, 1)));
    reference = Classifiers.open(ModelSource.ofWeights(weights));
    image = dir.resolve("x.png");
    Files.write(image, encode(picture(45, 37, 11), "png"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.shutdown();
    }
    if (reference != null) {
      reference.close();
    }
  }

  /** What predict prints for the image, computed by the library predict calls. */
  private static String library(Integer column) {
    float[] x = reference.preprocess(ImageFiles.read(image, 1));
    StringBuilder line = new StringBuilder(image.toString()).append(':');
    for (var s : TopK.of(reference.logits(x, 1, column), reference.classes(), 3).get(0)) {
      line.append(String.format(Locale.ROOT, "  %s %.1f %%", s.name(), 100 * s.probability()));
    }
    return line.toString();
  }

  private static JsonObject ask(String query) throws Exception {
    ServeTesting.Reply r = post(server, "/predictions/fn?top=3" + query, Files.readAllBytes(image), "image/png");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  private static String predictLine(JsonObject answer) {
    StringBuilder line = new StringBuilder(image.toString()).append(':');
    for (JsonElement e : answer.getAsJsonArray("predictions")) {
      JsonObject p = e.getAsJsonObject();
      line.append(String.format(Locale.ROOT, "  %s %.1f %%", p.get("class").getAsString(), 100 * p.get("probability").getAsFloat()));
    }
    return line.toString();
  }

  private static String predict(String... extra) {
    StringWriter out = new StringWriter();
    String[] args = {"predict", "--weights", weights.toString(), "--top", "3"};
    String[] all = Arrays.copyOf(args, args.length + extra.length + 1);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    all[all.length - 1] = image.toString();
    assertThat(Main.run(all, new PrintWriter(out), new PrintWriter(new StringWriter()))).isZero();
    return out.toString().strip();
  }

  @Test
  void aColumnAskedForAnswersAsPredictsColumn() throws Exception {
    JsonObject whole = ask("");
    assertThat(whole.get("column").isJsonNull()).isTrue();
    assertThat(whole.get("columns").getAsInt()).isEqualTo(3);
    assertThat(predictLine(whole)).isEqualTo(library(null));
    for (int column = 1; column <= 3; column++) {
      JsonObject answer = ask("&column=" + column);
      assertThat(answer.get("column").getAsInt()).isEqualTo(column);
      assertThat(predictLine(answer)).isEqualTo(library(column));
    }
    // The command line itself (one run: each loads the 39 M weights), for one column.
    assertThat(predictLine(ask("&column=2"))).isEqualTo(predict("--column", "2"));
    assertThat(get(server, "/metrics").body())
        .contains("densefractal_column_answers_total{column=\"2\",model=\"fn\"}")
        .contains("densefractal_column_answers_total{column=\"all\",model=\"fn\"}");
  }

  @Test
  void aDeadlinePicksAColumnAndTheAnswerSaysWhich() throws Exception {
    JsonObject meta = get(server, "/v2/models/fn").json().getAsJsonObject("parameters");
    JsonObject latency = meta.getAsJsonObject("latency_ms_batch1");
    assertThat(latency.keySet()).containsExactly("all", "1", "2", "3");
    assertThat(latency.get("1").getAsDouble()).isLessThan(latency.get("all").getAsDouble());

    JsonObject relaxed = ask("&deadline_ms=600000");
    assertThat(relaxed.get("column").isJsonNull()).as("whole network within a long deadline").isTrue();
    assertThat(relaxed.get("deadline_feasible").getAsBoolean()).isTrue();
    assertThat(relaxed.get("deadline_met").getAsBoolean()).isTrue();

    // No column can answer in 1 µs: the fastest answers, and says the deadline was out of reach.
    ServeTesting.Reply r =
        ServeTesting.send(
            java.net.http.HttpRequest.newBuilder(ServeTesting.uri(server, "/predictions/fn?top=3"))
                .header("deadline_ms", "0.001")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofFile(image))
                .build());
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject hopeless = r.json();
    assertThat(hopeless.get("column").getAsInt()).isEqualTo(1);
    assertThat(hopeless.get("deadline_feasible").getAsBoolean()).isFalse();
    assertThat(hopeless.get("deadline_met").getAsBoolean()).isFalse();
    assertThat(predictLine(hopeless)).isEqualTo(library(1));
  }

  @Test
  void badColumnsAreRefusedAndTheNextRequestSucceeds() throws Exception {
    byte[] png = Files.readAllBytes(image);
    for (String query : new String[] {"column=7", "column=0", "column=two", "column=1.5", "column=2&deadline_ms=50"}) {
      ServeTesting.Reply bad = post(server, "/predictions/fn?" + query, png, "image/png");
      assertThat(bad.status()).as(query + ": " + bad.body()).isEqualTo(400);
      assertThat(bad.json().get("code").getAsString()).isIn("unknown_column", "bad_parameter");
      assertThat(ask("&column=1").get("column").getAsInt()).isEqualTo(1);
    }
  }

  @Test
  void v2TakesTheColumnAsAParameter() throws Exception {
    ImageClassifier c = reference;
    float[] x = c.preprocess(ImageFiles.read(image, 1));
    String request =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,32,32],\"datatype\":\"FP32\",\"data\":"
            + Arrays.toString(x)
            + "}],\"parameters\":{\"column\":2}}";
    ServeTesting.Reply r = post(server, "/v2/models/fn/infer", request.getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().getAsJsonObject("parameters").get("column").getAsInt()).isEqualTo(2);
    float[] want = c.logits(x, 1, 2);
    var data = r.json().getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
    for (int i = 0; i < want.length; i++) {
      assertThat(data.get(i).getAsFloat()).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1, Math.abs(want[i]))));
    }
  }

  private static float[] v2Logits(String model, float[] x, Integer column) throws Exception {
    String request =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,32,32],\"datatype\":\"FP32\",\"data\":"
            + Arrays.toString(x)
            + "}]"
            + (column == null ? "" : ",\"parameters\":{\"column\":" + column + "}")
            + "}";
    ServeTesting.Reply r =
        post(server, "/v2/models/" + model + "/infer", request.getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject out = r.json();
    assertThat(out.getAsJsonObject("parameters").get("column").isJsonNull()).isEqualTo(column == null);
    var data = out.getAsJsonArray("outputs").get(0).getAsJsonObject().getAsJsonArray("data");
    float[] logits = new float[data.size()];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = data.get(i).getAsFloat();
    }
    return logits;
  }

  @Test
  void onnxRuntimeAnswersEveryColumnAsLibtorchDoes() throws Exception {
    JsonObject meta = get(server, "/v2/models/fno").json();
    assertThat(meta.get("platform").getAsString()).isEqualTo("onnxruntime");
    assertThat(meta.getAsJsonObject("parameters").get("columns").getAsInt()).isEqualTo(3);
    float[] x = reference.preprocess(ImageFiles.read(image, 1));
    for (Integer column : new Integer[] {null, 1, 2, 3}) {
      float[] want = reference.logits(x, 1, column);
      float[] got = v2Logits("fno", x, column);
      assertThat(got).hasSize(want.length);
      float scale = 0;
      for (float v : want) {
        scale = Math.max(scale, Math.abs(v));
      }
      for (int i = 0; i < want.length; i++) {
        assertThat(got[i]).as("column %s logit %d", column, i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1, scale)));
      }
    }
  }

  @Test
  void underConcurrencyEveryDeadlineAnswerSaysWhatWasExpected() throws Exception {
    JsonObject latency =
        get(server, "/v2/models/fno").json().getAsJsonObject("parameters").getAsJsonObject("latency_ms_batch1");
    // Half the whole network's batch-1 forward: deep options cannot make it once requests queue.
    double deadline = latency.get("all").getAsDouble() / 2;
    byte[] png = Files.readAllBytes(image);
    ExecutorService clients = Executors.newFixedThreadPool(4);
    try {
      List<Future<JsonObject>> answers = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        answers.add(
            clients.submit(
                () -> {
                  ServeTesting.Reply r =
                      ServeTesting.send(
                          java.net.http.HttpRequest.newBuilder(ServeTesting.uri(server, "/predictions/fno?top=3"))
                              .header("deadline_ms", Double.toString(deadline))
                              .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(png))
                              .build());
                  assertThat(r.status()).as(r.body()).isEqualTo(200);
                  return r.json();
                }));
      }
      for (Future<JsonObject> f : answers) {
        JsonObject a = f.get();
        assertThat(a.get("deadline_ms").getAsDouble()).isEqualTo(deadline);
        boolean feasible = a.get("deadline_feasible").getAsBoolean();
        double expected = a.get("expected_ms").getAsDouble();
        // A feasible choice was expected within the deadline; an infeasible one is column 1.
        if (feasible) {
          assertThat(expected).isLessThanOrEqualTo(deadline + 0.01);
        } else {
          assertThat(a.get("column").getAsInt()).isEqualTo(1);
          assertThat(expected).isGreaterThan(deadline - 0.01);
        }
        // The whole network's batch-1 time is twice the deadline: never expected to fit.
        assertThat(a.get("column").isJsonNull()).isFalse();
        Integer column = a.get("column").getAsInt();
        // The classes as the library ranks them (probabilities differ in the last digits between
        // the engines, so the printed line could round differently).
        assertThat(predictLine(a).replaceAll("[0-9.]+ %", ""))
            .isEqualTo(library(column).replaceAll("[0-9.]+ %", ""));
      }
    } finally {
      clients.shutdownNow();
    }
  }
}
