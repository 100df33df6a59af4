package io.densefractal.weights;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The committed fixtures of src/test/resources/weights and their torch-computed expectations. */
public final class Fixtures {
  /** A tensor as the fixture script describes it: dtype name, shape, little-endian bytes. */
  public record Expected(String dtype, long[] shape, byte[] bytes) {}

  private Fixtures() {}

  public static Path path(String name) {
    URL url = Fixtures.class.getResource("/weights/" + name);
    if (url == null) {
      throw new IllegalStateException(
          "missing fixture " + name + "; run src/test/python/make_weight_fixtures.py");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Expected tensors by key, in the order torch.load returned them. */
  public static LinkedHashMap<String, Expected> expected(String jsonName) {
    JsonObject root;
    try {
      root = JsonParser.parseString(Files.readString(path(jsonName))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LinkedHashMap<String, Expected> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : root.entrySet()) {
      JsonObject t = e.getValue().getAsJsonObject();
      List<Long> shape = new ArrayList<>();
      t.getAsJsonArray("shape").forEach(d -> shape.add(d.getAsLong()));
      String dtype = t.has("dtype") ? t.get("dtype").getAsString() : t.get("descr").getAsString();
      out.put(
          e.getKey(),
          new Expected(
              dtype,
              shape.stream().mapToLong(Long::longValue).toArray(),
              HexFormat.of().parseHex(t.get("hex").getAsString())));
    }
    return out;
  }

  public static byte[] bytes(Tensor t) {
    ByteBuffer b = t.buffer();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  public static void assertTensor(String key, Tensor actual, Expected expected) {
    assertThat(actual.dtype().toString()).as(key + " dtype").isEqualTo(expected.dtype());
    assertThat(actual.shape()).as(key + " shape").containsExactly(expected.shape());
    assertThat(bytes(actual)).as(key + " bytes").isEqualTo(expected.bytes());
  }

  public static void assertStateDict(StateDict sd, Map<String, Expected> expected) {
    assertThat(sd.keys()).containsExactlyElementsOf(expected.keySet());
    for (Map.Entry<String, Expected> e : expected.entrySet()) {
      assertTensor(e.getKey(), sd.get(e.getKey()), e.getValue());
    }
  }

  public static void assertSameTensors(StateDict actual, StateDict expected) {
    assertThat(actual.keys()).containsExactlyElementsOf(expected.keys());
    for (String key : expected.keys()) {
      Tensor want = expected.get(key);
      Tensor got = actual.get(key);
      assertThat(got.dtype()).as(key + " dtype").isEqualTo(want.dtype());
      assertThat(got.shape()).as(key + " shape").containsExactly(want.shape());
      assertThat(bytes(got)).as(key + " bytes").isEqualTo(bytes(want));
    }
  }

  /** One small tensor of every dtype, plus a scalar and an empty tensor, with awkward key names. */
  public static StateDict allDtypes() {
    StateDict sd = new StateDict();
    sd.put(
        "conv.weight",
        Tensor.ofFloats(
            new long[] {2, 1, 2, 2},
            new float[] {1.5f, -2f, 0f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3.25f, 1e-8f}));
    sd.put("bn.num_batches_tracked", Tensor.ofLongs(new long[0], new long[] {7}));
    sd.put("big.int64", Tensor.ofLongs(new long[] {3}, new long[] {Long.MIN_VALUE, -1, 1L << 40}));
    for (DType t : DType.values()) {
      byte[] data = new byte[3 * t.byteSize()];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (t == DType.BOOL ? i % 2 : 17 * i + t.ordinal() + 1);
      }
      if (t == DType.FLOAT16 || t == DType.BFLOAT16) {
        data[1] = 0x3c; // keep halves finite: 0x3cXX is around 1.0
        data[3] = 0x40;
        data[5] = (byte) 0xc0;
      }
      sd.put("dtype." + t, new Tensor(t, new long[] {3}, data));
    }
    sd.put("empty", new Tensor(DType.FLOAT32, new long[] {0, 3}, new byte[0]));
    sd.put("unicode.ключ", Tensor.ofFloats(new long[] {1}, new float[] {42f}));
    return sd;
  }
}
