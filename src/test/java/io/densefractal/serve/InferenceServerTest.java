package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.get;
import static io.densefractal.serve.ServeTesting.picture;
import static io.densefractal.serve.ServeTesting.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.densefractal.cli.Main;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ResNet-20 (random weights, demo data) served on 127.0.0.1: answers, errors, metrics. */
class InferenceServerTest {
  @TempDir static Path dir;
  static Path weights;
  static InferenceServer server;
  static ImageClassifier reference;
  static List<Path> images = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    weights = ServeTesting.randomWeights("resnet20_cifar", 28, dir.resolve("r20.safetensors"));
    server = ServeTesting.start(ServeTesting.config(ServeTesting.model("r20", weights, 8, 20, 64)));
    reference = Classifiers.open(ModelSource.ofWeights(weights));
    int[][] sizes = {{28, 28}, {40, 30}, {17, 61}, {200, 120}, {64, 64}, {33, 90}};
    for (int i = 0; i < sizes.length; i++) {
      String format = i % 2 == 0 ? "png" : "jpg";
      Path file = dir.resolve("img" + i + "." + format);
      Files.write(file, encode(picture(sizes[i][0], sizes[i][1], i), format));
      images.add(file);
    }
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

  /** What the server's JSON says, in predict's format: "path:  class 12.3 %  ...". */
  private static String asPredictLine(Path image, JsonObject answer) {
    StringBuilder line = new StringBuilder(image.toString()).append(':');
    for (JsonElement e : answer.getAsJsonArray("predictions")) {
      JsonObject p = e.getAsJsonObject();
      line.append(
          String.format(
              Locale.ROOT,
              "  %s %.1f %%",
              p.get("class").getAsString(),
              100 * p.get("probability").getAsFloat()));
    }
    return line.toString();
  }

  @Test
  void anAddressThatIsNotThisMachinesIsNamedAsSuch() {
    for (String host : List.of("256.1.1.1", "192.0.2.1")) {
      ServeConfig config =
          new ServeConfig(
              host,
              0,
              List.of(ServeTesting.model("r20", weights, 8, 20, 64)),
              1 << 20,
              4_000_000,
              20_000,
              10_000);
      assertThatThrownBy(() -> ServeTesting.start(config))
          .as(host)
          .isInstanceOf(io.densefractal.DenseFractalException.class)
          .hasMessageStartingWith("cannot listen on " + host)
          .hasMessageNotContaining("in use");
    }
  }

  @Test
  void servedAnswersEqualPredictsEvenWhenBatched() throws Exception {
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(List.of("predict", "--weights", weights.toString(), "--top", "3"));
    images.forEach(p -> args.add(p.toString()));
    int code = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter()));
    assertThat(code).isZero();
    List<String> predicted = out.toString().lines().toList();

    // All at once, so the queue runs them together.
    List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
    for (Path image : images) {
      pending.add(
          ServeTesting.HTTP.sendAsync(
              HttpRequest.newBuilder(ServeTesting.uri(server, "/predictions/r20?top=3"))
                  .POST(HttpRequest.BodyPublishers.ofFile(image))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    int maxBatch = 0;
    for (int i = 0; i < images.size(); i++) {
      HttpResponse<String> r = pending.get(i).join();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonObject answer = com.google.gson.JsonParser.parseString(r.body()).getAsJsonObject();
      maxBatch = Math.max(maxBatch, answer.get("batch_size").getAsInt());
      assertThat(asPredictLine(images.get(i), answer)).isEqualTo(predicted.get(i));
      // And the probabilities themselves, against the library's single-image forward.
      float[] x = reference.preprocess(ImageFiles.read(images.get(i), 1));
      List<ClassScore> want = TopK.of(reference.logits(x, 1, null), reference.classes(), 3).get(0);
      JsonArray got = answer.getAsJsonArray("predictions");
      for (int k = 0; k < 3; k++) {
        JsonObject p = got.get(k).getAsJsonObject();
        assertThat(p.get("index").getAsInt()).isEqualTo(want.get(k).index());
        assertThat(p.get("probability").getAsFloat())
            .isCloseTo(want.get(k).probability(), org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
    assertThat(maxBatch).as("requests sent together ran in one batch").isGreaterThan(1);
  }

  @Test
  void embeddingsAreTheLibrarysPooledFeatures() throws Exception {
    float[] x = reference.preprocess(ImageFiles.read(images.get(2), 1));
    ServeTesting.Reply r = post(server, "/embeddings/r20", Files.readAllBytes(images.get(2)), "image/png");
    float[] want;
    try {
      want = reference.embeddings(x, 1);
    } catch (io.densefractal.DenseFractalException e) {
      // The engine gives none (yet): the server says so, in its error shape, and keeps serving.
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.json().get("code").getAsString()).isEqualTo("no_embeddings");
      assertThat(r.json().get("error").getAsString()).isEqualTo(e.getMessage());
      assertThat(post(server, "/predictions/r20", Files.readAllBytes(images.get(2)), "image/png").status())
          .isEqualTo(200);
      return;
    }
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().get("size").getAsInt()).isEqualTo(reference.embeddingSize()).isEqualTo(64);
    JsonArray got = r.json().getAsJsonArray("embedding");
    assertThat(got.size()).isEqualTo(want.length);
    for (int i = 0; i < want.length; i++) {
      assertThat(got.get(i).getAsFloat()).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-5f * Math.max(1, Math.abs(want[i]))));
    }
    assertThat(post(server, "/embeddings/r20", new byte[] {7}, "image/png").status()).isEqualTo(400);
    assertThat(post(server, "/embeddings/nope", new byte[] {7}, "image/png").status()).isEqualTo(404);
  }

  @Test
  void multipartUploadAnswersLikeARawBody() {
    byte[] png = encode(picture(50, 40, 7), "png");
    String boundary = "densefractal-boundary";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"; filename=\"x.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    body.writeBytes(png);
    body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    ServeTesting.Reply multipart =
        post(server, "/predictions/r20", body.toByteArray(), "multipart/form-data; boundary=" + boundary);
    ServeTesting.Reply raw = post(server, "/predictions/r20", png, "image/png");
    assertThat(multipart.status()).as(multipart.body()).isEqualTo(200);
    assertThat(multipart.json().get("predictions")).isEqualTo(raw.json().get("predictions"));
  }

  @Test
  void v2InferGivesTheLibrarysLogits() throws Exception {
    float[] a = reference.preprocess(ImageFiles.read(images.get(0), 1));
    float[] b = reference.preprocess(ImageFiles.read(images.get(1), 1));
    float[] both = new float[a.length * 2];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    String request =
        "{\"id\":\"q1\",\"inputs\":[{\"name\":\"input\",\"shape\":[2,1,28,28],\"datatype\":\"FP32\","
            + "\"data\":"
            + Arrays.toString(both)
            + "}]}";
    ServeTesting.Reply r = post(server, "/v2/models/r20/infer", request.getBytes(StandardCharsets.UTF_8), "application/json");
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    JsonObject answer = r.json();
    assertThat(answer.get("model_name").getAsString()).isEqualTo("r20");
    assertThat(answer.get("id").getAsString()).isEqualTo("q1");
    JsonObject output = answer.getAsJsonArray("outputs").get(0).getAsJsonObject();
    assertThat(output.get("shape").toString()).isEqualTo("[2,10]");
    assertThat(output.get("datatype").getAsString()).isEqualTo("FP32");
    JsonArray data = output.getAsJsonArray("data");
    float[] want = new float[20];
    System.arraycopy(reference.logits(a, 1, null), 0, want, 0, 10);
    System.arraycopy(reference.logits(b, 1, null), 0, want, 10, 10);
    for (int i = 0; i < 20; i++) {
      assertThat(data.get(i).getAsFloat()).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f));
    }
  }

  @Test
  void healthMetadataPageAndMetrics() {
    assertThat(get(server, "/v2/health/live").status()).isEqualTo(200);
    assertThat(get(server, "/v2/health/ready").json().get("ready").getAsBoolean()).isTrue();
    assertThat(get(server, "/v2/models/r20/ready").status()).isEqualTo(200);
    JsonObject meta = get(server, "/v2/models/r20").json();
    assertThat(meta.getAsJsonArray("inputs").get(0).getAsJsonObject().get("shape").toString())
        .isEqualTo("[-1,1,28,28]");
    assertThat(meta.getAsJsonObject("parameters").get("architecture").getAsString())
        .isEqualTo("resnet20_cifar");
    assertThat(get(server, "/v2/models/nope").status()).isEqualTo(404);
    ServeTesting.Reply page = get(server, "/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body()).contains("<title>densefractal serve</title>");
    assertThat(page.response().headers().firstValue("Content-Type").orElse("")).startsWith("text/html");

    assertThat(post(server, "/predictions/r20", encode(picture(30, 30, 1), "png"), "image/png").status())
        .isEqualTo(200);
    assertThat(post(server, "/predictions/r20", new byte[] {1, 2, 3}, "image/png").status())
        .isEqualTo(400);
    String metrics = get(server, "/metrics").body();
    assertThat(metrics)
        .contains("densefractal_requests_total{endpoint=\"predictions\",model=\"r20\",status=\"200\"}")
        .contains("densefractal_requests_total{endpoint=\"predictions\",model=\"r20\",status=\"400\"}")
        .contains("densefractal_request_duration_seconds_bucket{endpoint=\"predictions\",model=\"r20\",le=\"0.1\"}")
        .contains("densefractal_batch_size_bucket{model=\"r20\",le=\"1.0\"}")
        .contains("densefractal_queue_depth{model=\"r20\"} 0");
  }

  /** A PNG whose header claims width × height, followed by no real pixels. */
  static byte[] pngClaiming(int width, int height) {
    byte[] ihdr = new byte[17];
    System.arraycopy("IHDR".getBytes(StandardCharsets.US_ASCII), 0, ihdr, 0, 4);
    putInt(ihdr, 4, width);
    putInt(ihdr, 8, height);
    ihdr[12] = 8; // bit depth
    ihdr[13] = 2; // RGB
    CRC32 crc = new CRC32();
    crc.update(ihdr);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    byte[] len = new byte[4];
    putInt(len, 0, 13);
    out.writeBytes(len);
    out.writeBytes(ihdr);
    byte[] c = new byte[4];
    putInt(c, 0, (int) crc.getValue());
    out.writeBytes(c);
    out.writeBytes(new byte[64]);
    return out.toByteArray();
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private record Bad(String what, String path, byte[] body, String type, int status, String code) {}

  @Test
  void everyBadRequestIsAnsweredAndTheNextGoodOneStillSucceeds() throws Exception {
    byte[] jpeg = Files.readAllBytes(images.get(1));
    byte[] good = Files.readAllBytes(images.get(0));
    String goodTop1 = post(server, "/predictions/r20", good, "image/png").json()
        .getAsJsonArray("predictions").get(0).getAsJsonObject().get("class").getAsString();
    String tensor = "{\"inputs\":[{\"name\":\"input\",\"shape\":%s,\"datatype\":\"%s\",\"data\":%s}]}";
    float[] one = new float[28 * 28];
    List<Bad> cases =
        List.of(
            new Bad("not an image", "/predictions/r20", "hello, world".getBytes(StandardCharsets.UTF_8), "image/png", 400, "bad_image"),
            new Bad("empty body", "/predictions/r20", new byte[0], "image/jpeg", 400, "bad_image"),
            new Bad("truncated JPEG", "/predictions/r20", Arrays.copyOf(jpeg, jpeg.length / 2), "image/jpeg", 400, "bad_image"),
            new Bad("30000x30000 header", "/predictions/r20", pngClaiming(30000, 30000), "image/png", 413, "image_too_large"),
            new Bad("body over the limit", "/predictions/r20", new byte[(1 << 20) + 10], "image/png", 413, "body_too_large"),
            new Bad("wrong shape", "/v2/models/r20/infer", String.format(tensor, "[1,3,28,28]", "FP32", Arrays.toString(one)).getBytes(StandardCharsets.UTF_8), "application/json", 400, "bad_shape"),
            new Bad("too few values", "/v2/models/r20/infer", String.format(tensor, "[1,1,28,28]", "FP32", "[1,2,3]").getBytes(StandardCharsets.UTF_8), "application/json", 400, "bad_shape"),
            new Bad("wrong dtype", "/v2/models/r20/infer", String.format(tensor, "[1,1,28,28]", "INT64", Arrays.toString(new int[784])).getBytes(StandardCharsets.UTF_8), "application/json", 400, "bad_datatype"),
            new Bad("strings as data", "/v2/models/r20/infer", String.format(tensor, "[1,1,1,1]", "FP32", "[\"a\"]").getBytes(StandardCharsets.UTF_8), "application/json", 400, "bad_shape"),
            new Bad("malformed JSON", "/v2/models/r20/infer", "{\"inputs\": [".getBytes(StandardCharsets.UTF_8), "application/json", 400, "bad_json"),
            new Bad("unknown model", "/predictions/nope", good, "image/png", 404, "unknown_model"),
            new Bad("unknown model (v2)", "/v2/models/nope/infer", "{}".getBytes(StandardCharsets.UTF_8), "application/json", 404, "unknown_model"),
            new Bad("column of a model without columns", "/predictions/r20?column=2", good, "image/png", 400, "unknown_column"),
            new Bad("bad top", "/predictions/r20?top=zero", good, "image/png", 400, "bad_parameter"),
            new Bad("negative deadline", "/predictions/r20?deadline_ms=-5", good, "image/png", 400, "bad_parameter"));
    for (Bad bad : cases) {
      ServeTesting.Reply r = post(server, bad.path(), bad.body(), bad.type());
      assertThat(r.status()).as(bad.what() + ": " + r.body()).isEqualTo(bad.status());
      JsonObject error = r.json();
      assertThat(error.get("code").getAsString()).as(bad.what()).isEqualTo(bad.code());
      assertThat(error.get("error").getAsString()).as(bad.what()).isNotBlank().doesNotContain("\n");
      ServeTesting.Reply after = post(server, "/predictions/r20", good, "image/png");
      assertThat(after.status()).as("good request after " + bad.what()).isEqualTo(200);
      assertThat(after.json().getAsJsonArray("predictions").get(0).getAsJsonObject().get("class").getAsString())
          .isEqualTo(goodTop1);
    }
  }
}
