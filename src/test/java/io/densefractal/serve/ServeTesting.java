package io.densefractal.serve;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.densefractal.data.Datasets;
import io.densefractal.inference.ModelSource;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.safetensors.SafeTensors;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** Models with random weights, images, a server on 127.0.0.1 and an HTTP client for the tests. */
final class ServeTesting {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private ServeTesting() {}

  /**
   * Random weights of {@code model} for the bundled demo data (Fashion-MNIST, grey), tagged like
   * weights from {@code train}, so {@code predict --weights} and the server read them alike.
   */
  static Path randomWeights(String model, int imageSize, Path file) {
    ModelSpec spec = ModelZoo.get(model);
    Block block = spec.create(new ModelOptions(10, 1));
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, 1, imageSize, imageSize));
      StateDict sd = ModelWeights.stateDict(block);
      WeightsMetadata.tag(sd, model, 10, 1);
      WeightsMetadata.tagTraining(sd, "demo", Datasets.FASHION_MNIST_CLASSES, imageSize);
      SafeTensors.write(sd, file);
    }
    return file;
  }

  static ServeConfig config(ModelConfig... models) {
    return new ServeConfig("127.0.0.1", 0, List.of(models), 1 << 20, 4_000_000, 20_000, 10_000);
  }

  static ModelConfig model(String name, Path weights, int maxBatch, int maxDelayMs, int queue) {
    return new ModelConfig(name, ModelSource.ofWeights(weights), maxBatch, maxDelayMs, queue);
  }

  static InferenceServer start(ServeConfig config) {
    return InferenceServer.start(config, new PrintWriter(new StringWriter()));
  }

  /** A picture with some structure (gradients and a shape), {@code seed} varying it. */
  static BufferedImage picture(int w, int h, long seed) {
    Random r = new Random(seed);
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = (int) (255.0 * ((x * (1 + r.nextInt(2)) + y) % (w + 1)) / w);
        img.setRGB(x, y, new Color(v, (v * 7 + 30) & 255, 255 - v).getRGB());
      }
    }
    g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
    g.fillOval(r.nextInt(w / 2), r.nextInt(h / 2), w / 3 + 1, h / 3 + 1);
    g.dispose();
    return img;
  }

  static byte[] encode(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  record Reply(int status, String body, HttpResponse<String> response) {
    JsonObject json() {
      return JsonParser.parseString(body).getAsJsonObject();
    }
  }

  static Reply post(InferenceServer server, String path, byte[] body, String contentType) {
    return send(
        HttpRequest.newBuilder(uri(server, path))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build());
  }

  static Reply get(InferenceServer server, String path) {
    return send(HttpRequest.newBuilder(uri(server, path)).GET().build());
  }

  static Reply send(HttpRequest request) {
    try {
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Reply(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static URI uri(InferenceServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }
}
