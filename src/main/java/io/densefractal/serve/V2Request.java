package io.densefractal.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.densefractal.data.TransformSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * An Open Inference Protocol (KServe v2) infer request for an image classifier: one FP32 input
 * tensor of shape [n, C, H, W] (data flat or nested, row-major), and optional {@code parameters}
 * {@code column} and {@code deadline_ms}.
 *
 * @param id the request's id, echoed in the answer (may be null)
 * @param images the n images, each C × H × W values
 * @param column the asked-for column, or null
 * @param deadlineMs the asked-for deadline, or null
 */
record V2Request(String id, List<float[]> images, Integer column, Double deadlineMs) {

  /**
   * Parses and checks {@code body} against the model's input, before anything is queued.
   *
   * @throws ApiError 400 naming what is wrong (JSON, shape, datatype, data)
   */
  static V2Request parse(byte[] body, TransformSpec input, int maxImages) {
    JsonObject root;
    try {
      JsonElement parsed = JsonParser.parseString(new String(body, java.nio.charset.StandardCharsets.UTF_8));
      if (!parsed.isJsonObject()) {
        throw bad("bad_json", "the body must be a JSON object with \"inputs\"");
      }
      root = parsed.getAsJsonObject();
    } catch (JsonParseException e) {
      throw bad("bad_json", "malformed JSON: " + oneLine(e));
    }
    JsonElement inputs = root.get("inputs");
    if (inputs == null || !inputs.isJsonArray() || inputs.getAsJsonArray().size() != 1) {
      throw bad("bad_input", "\"inputs\" must be an array of exactly one tensor");
    }
    if (!inputs.getAsJsonArray().get(0).isJsonObject()) {
      throw bad("bad_input", "the input tensor must be an object with shape, datatype and data");
    }
    JsonObject tensor = inputs.getAsJsonArray().get(0).getAsJsonObject();
    String datatype = string(tensor, "datatype");
    if (!"FP32".equals(datatype)) {
      throw bad(
          "bad_datatype",
          "input datatype must be FP32 (images as normalised floats), got " + datatype);
    }
    long[] shape = shape(tensor);
    long[] want = {-1, input.channels(), input.size(), input.size()};
    if (shape.length != 4
        || shape[1] != want[1]
        || shape[2] != want[2]
        || shape[3] != want[3]
        || shape[0] < 1) {
      throw bad(
          "bad_shape",
          "input shape must be [n, "
              + want[1]
              + ", "
              + want[2]
              + ", "
              + want[3]
              + "] with n >= 1, got "
              + java.util.Arrays.toString(shape));
    }
    if (shape[0] > maxImages) {
      throw bad(
          "too_many_images",
          shape[0] + " images in one request; at most " + maxImages + " (the queue's size)");
    }
    int n = (int) shape[0];
    int per = (int) (want[1] * want[2] * want[3]);
    float[] flat = new float[n * per];
    JsonElement data = tensor.get("data");
    if (data == null || !data.isJsonArray()) {
      throw bad("bad_data", "the input tensor needs \"data\": an array of numbers");
    }
    int count = flatten(data.getAsJsonArray(), flat, 0);
    if (count != flat.length) {
      throw bad(
          "bad_shape",
          "the data hold " + count + " values; shape " + java.util.Arrays.toString(shape)
              + " needs " + flat.length);
    }
    List<float[]> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      images.add(java.util.Arrays.copyOfRange(flat, i * per, (i + 1) * per));
    }
    JsonObject parameters =
        root.has("parameters") && root.get("parameters").isJsonObject()
            ? root.getAsJsonObject("parameters")
            : new JsonObject();
    Integer column = null;
    Double deadline = null;
    if (parameters.has("column")) {
      column = (int) number(parameters.get("column"), "column");
    }
    if (parameters.has("deadline_ms")) {
      deadline = number(parameters.get("deadline_ms"), "deadline_ms");
    }
    String id = root.has("id") && root.get("id").isJsonPrimitive() ? root.get("id").getAsString() : null;
    return new V2Request(id, images, column, deadline);
  }

  /** Copies the numbers of a (possibly nested) array into {@code out}; returns how many there were. */
  private static int flatten(JsonArray array, float[] out, int at) {
    int i = at;
    for (JsonElement e : array) {
      if (e.isJsonArray()) {
        i = flatten(e.getAsJsonArray(), out, i);
      } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
        if (i < out.length) {
          out[i] = e.getAsFloat();
        }
        i++;
      } else {
        throw bad("bad_data", "tensor data must be numbers, found " + e);
      }
    }
    return i;
  }

  private static long[] shape(JsonObject tensor) {
    JsonElement s = tensor.get("shape");
    if (s == null || !s.isJsonArray()) {
      throw bad("bad_shape", "the input tensor needs \"shape\": [n, C, H, W]");
    }
    JsonArray a = s.getAsJsonArray();
    long[] shape = new long[a.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = (long) number(a.get(i), "shape");
    }
    return shape;
  }

  private static String string(JsonObject o, String key) {
    JsonElement e = o.get(key);
    return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
  }

  private static double number(JsonElement e, String what) {
    if (e instanceof JsonPrimitive p && p.isNumber()) {
      return p.getAsDouble();
    }
    if (e instanceof JsonPrimitive p && p.isString()) {
      try {
        return Double.parseDouble(p.getAsString());
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw bad("bad_parameter", what + " must be a number, got " + e);
  }

  private static ApiError bad(String code, String message) {
    return new ApiError(400, code, message);
  }

  private static String oneLine(Exception e) {
    Throwable t = e.getCause() != null ? e.getCause() : e;
    return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
  }
}
