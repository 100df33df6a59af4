package io.densefractal.serve;

import static io.densefractal.serve.ServeTesting.encode;
import static io.densefractal.serve.ServeTesting.picture;
import static io.densefractal.serve.ServeTesting.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.densefractal.cli.Main;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.Engine;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.testing.PythonReference;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A torch.onnx.export file (Debian torch 1.13) served on ONNX Runtime: the answers equal {@code
 * predict --engine onnxruntime}'s, and its embeddings the library's.
 */
class OnnxServeTest {
  @TempDir Path dir;

  @Test
  void onnxRuntimeServesPredictsAnswersAndEmbeddings() throws Exception {
    Path export = dir.resolve("small");
    PythonReference.run(
        "torch_onnx_export.py",
        "--model", "resnet20_cifar", "--num-classes", "1000", "--embedding",
        "--out", export.toString(), "--input-shape", "1x3x32x32");
    Path onnx = export.resolve("model.onnx");
    List<Path> images = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path p = dir.resolve("img" + i + ".png");
      Files.write(p, encode(picture(40 + 10 * i, 36, 30 + i), "png"));
      images.add(p);
    }
    StringWriter out = new StringWriter();
    List<String> args =
        new ArrayList<>(List.of("predict", "--engine", "onnxruntime", "--weights", onnx.toString(), "--top", "3"));
    images.forEach(p -> args.add(p.toString()));
    assertThat(Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(new StringWriter())))
        .isZero();
    List<String> predicted = out.toString().lines().toList();

    ModelConfig model =
        new ModelConfig("ort", ModelSource.ofWeights(onnx), 4, 20, 32, Engine.ONNXRUNTIME, 1);
    InferenceServer server = ServeTesting.start(ServeTesting.config(model));
    try (ImageClassifier reference = Classifiers.open(ModelSource.ofWeights(onnx), Engine.ONNXRUNTIME, 1)) {
      assertThat(ServeTesting.get(server, "/v2/models/ort").json().get("platform").getAsString())
          .isEqualTo("onnxruntime");
      List<CompletableFuture<ServeTesting.Reply>> pending = new ArrayList<>();
      for (Path p : images) {
        byte[] bytes = Files.readAllBytes(p);
        pending.add(CompletableFuture.supplyAsync(() -> post(server, "/predictions/ort?top=3", bytes, "image/png")));
      }
      for (int i = 0; i < images.size(); i++) {
        ServeTesting.Reply r = pending.get(i).join();
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        StringBuilder line = new StringBuilder(images.get(i).toString()).append(':');
        for (JsonElement e : r.json().getAsJsonArray("predictions")) {
          JsonObject p = e.getAsJsonObject();
          line.append(String.format(Locale.ROOT, "  %s %.1f %%", p.get("class").getAsString(), 100 * p.get("probability").getAsFloat()));
        }
        assertThat(line.toString()).isEqualTo(predicted.get(i));
      }

      ServeTesting.Reply e = post(server, "/embeddings/ort", Files.readAllBytes(images.get(0)), "image/png");
      assertThat(e.status()).as(e.body()).isEqualTo(200);
      float[] want = reference.embeddings(reference.preprocess(ImageFiles.read(images.get(0), 3)), 1);
      JsonArray got = e.json().getAsJsonArray("embedding");
      assertThat(e.json().get("size").getAsInt()).isEqualTo(64).isEqualTo(want.length);
      for (int i = 0; i < want.length; i++) {
        assertThat(got.get(i).getAsFloat()).isCloseTo(want[i], org.assertj.core.data.Offset.offset(1e-4f * Math.max(1, Math.abs(want[i]))));
      }
    } finally {
      server.shutdown();
    }
  }
}
