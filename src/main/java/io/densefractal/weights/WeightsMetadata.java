package io.densefractal.weights;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code __metadata__} we write into safetensors weight files and checkpoints, so that a file
 * says which model it belongs to (a wrong pairing gets a clear error) and, for weights we trained,
 * what they were trained on (so they can label images without the dataset).
 */
public final class WeightsMetadata {
  public static final String MODEL = "model";
  public static final String NUM_CLASSES = "num_classes";
  public static final String IN_CHANNELS = "in_channels";
  public static final String DATASET = "dataset";

  /** Class names in label order, as a JSON array of strings. */
  public static final String CLASSES = "classes";

  public static final String IMAGE_SIZE = "image_size";

  private static final Gson GSON = new Gson();

  private WeightsMetadata() {}

  /** Tags {@code sd} with the model name, classes and input channels (and safetensors' "pt"). */
  public static StateDict tag(StateDict sd, String model, int numClasses, int inChannels) {
    sd.putMetadata("format", "pt");
    sd.putMetadata(MODEL, model);
    sd.putMetadata(NUM_CLASSES, Integer.toString(numClasses));
    sd.putMetadata(IN_CHANNELS, Integer.toString(inChannels));
    return sd;
  }

  /** Tags {@code sd} with the dataset it was trained on, its class names and the input size. */
  public static StateDict tagTraining(
      StateDict sd, String dataset, List<String> classes, int imageSize) {
    sd.putMetadata(DATASET, dataset);
    sd.putMetadata(CLASSES, GSON.toJson(classes));
    sd.putMetadata(IMAGE_SIZE, Integer.toString(imageSize));
    return sd;
  }

  /** What weights were trained on, as {@link #tagTraining} recorded it. */
  public record Training(String dataset, List<String> classes, int imageSize) {}

  /**
   * The training tags of a file, or empty when it has none (imported or older weights).
   *
   * @throws IllegalArgumentException when the tags are present but damaged
   */
  public static Optional<Training> training(Map<String, String> metadata) {
    String dataset = metadata.get(DATASET);
    String classes = metadata.get(CLASSES);
    String size = metadata.get(IMAGE_SIZE);
    if (dataset == null || classes == null || size == null) {
      return Optional.empty();
    }
    try {
      String[] names = GSON.fromJson(classes, String[].class);
      if (names == null || names.length == 0 || Arrays.asList(names).contains(null)) {
        throw new IllegalArgumentException("no class names in '" + classes + "'");
      }
      return Optional.of(new Training(dataset, List.of(names), Integer.parseInt(size)));
    } catch (JsonParseException | NumberFormatException e) {
      throw new IllegalArgumentException("damaged training metadata: " + e.getMessage(), e);
    }
  }
}
