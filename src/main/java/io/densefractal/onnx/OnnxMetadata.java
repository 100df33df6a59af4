package io.densefractal.onnx;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import io.densefractal.DenseFractalException;
import io.densefractal.data.TransformSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an exported ONNX file says about itself in its {@code metadata_props}, so that a file alone
 * is enough to predict: the model, what its output is, the classes and how images become input.
 *
 * @param model the zoo model name ({@code resnet50})
 * @param output what the graph's one output holds
 * @param column the FractalNet column exported alone, or 0 for the whole network
 * @param classes class names in logit order (empty for feature outputs of weights without names)
 * @param dataset what the weights were trained on ({@code imagenet}, {@code fashion-mnist}, ...)
 * @param transforms the evaluation transform: channels, input size, resize, mean and std
 */
public record OnnxMetadata(
    String model,
    Output output,
    int column,
    List<String> classes,
    String dataset,
    TransformSpec transforms) {

  /** The graph's output. */
  public enum Output {
    /** (N, classes) logits; the graph output is named {@code logits}. */
    LOGITS("logits"),
    /** (N, C, H, W) last feature map without pooling ({@code include_top=False}): {@code features}. */
    FEATURES("features"),
    /** (N, D) globally average-pooled features, the vector people index: {@code embedding}. */
    EMBEDDING("embedding");

    private final String tensorName;

    Output(String tensorName) {
      this.tensorName = tensorName;
    }

    /** The graph output's name, also the metadata value. */
    public String tensorName() {
      return tensorName;
    }

    static Output of(String name) {
      for (Output o : values()) {
        if (o.tensorName.equals(name)) {
          return o;
        }
      }
      throw new DenseFractalException(
          "unknown output '" + name + "' (expected logits, features or embedding)");
    }
  }

  /** The graph input's name: (N, C, H, W) float32. */
  public static final String INPUT = "input";

  /** Version of this key set, written so that a later change can still read older files. */
  public static final String FORMAT_VERSION = "1";

  private static final String PREFIX = "densefractal.";
  private static final Gson GSON = new Gson();

  public OnnxMetadata {
    classes = List.copyOf(classes);
  }

  /** The key/value pairs written to the model's {@code metadata_props}. */
  public Map<String, String> toProperties() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(PREFIX + "format_version", FORMAT_VERSION);
    m.put(PREFIX + "model", model);
    m.put(PREFIX + "output", output.tensorName());
    m.put(PREFIX + "column", Integer.toString(column));
    m.put(PREFIX + "classes", GSON.toJson(classes));
    m.put(PREFIX + "dataset", dataset);
    m.put(PREFIX + "in_channels", Integer.toString(transforms.channels()));
    m.put(PREFIX + "input_size", Integer.toString(transforms.size()));
    m.put(PREFIX + "resize", Integer.toString(transforms.resize()));
    m.put(PREFIX + "mean", GSON.toJson(transforms.mean()));
    m.put(PREFIX + "std", GSON.toJson(transforms.std()));
    return m;
  }

  /** True when {@code properties} were written by {@link #toProperties()} (our export). */
  public static boolean isOurs(Map<String, String> properties) {
    return properties.containsKey(PREFIX + "format_version");
  }

  /**
   * Reads our metadata back.
   *
   * @throws DenseFractalException naming the key that is missing or damaged
   */
  public static OnnxMetadata fromProperties(Map<String, String> p) {
    try {
      String version = required(p, "format_version");
      if (!FORMAT_VERSION.equals(version)) {
        throw new DenseFractalException(
            "ONNX metadata format " + version + " is newer than this program reads (1)");
      }
      int channels = Integer.parseInt(required(p, "in_channels"));
      TransformSpec t =
          new TransformSpec(
              channels,
              Integer.parseInt(required(p, "input_size")),
              GSON.fromJson(required(p, "mean"), float[].class),
              GSON.fromJson(required(p, "std"), float[].class),
              0,
              false,
              Integer.parseInt(required(p, "resize")));
      String[] classes = GSON.fromJson(required(p, "classes"), String[].class);
      return new OnnxMetadata(
          required(p, "model"),
          Output.of(required(p, "output")),
          Integer.parseInt(required(p, "column")),
          Arrays.asList(classes),
          required(p, "dataset"),
          t);
    } catch (NumberFormatException | JsonParseException | NullPointerException e) {
      throw new DenseFractalException("damaged densefractal metadata in the ONNX file: " + e, e);
    } catch (IllegalArgumentException e) {
      throw new DenseFractalException(
          "damaged densefractal metadata in the ONNX file: " + e.getMessage(), e);
    }
  }

  private static String required(Map<String, String> p, String key) {
    String v = p.get(PREFIX + key);
    if (v == null) {
      throw new DenseFractalException(
          "the ONNX file's metadata lacks " + PREFIX + key + "; export it again");
    }
    return v;
  }
}
