package io.densefractal.weights;

/**
 * The {@code __metadata__} we write into safetensors weight files and checkpoints, so that a file
 * says which model it belongs to and a wrong pairing gets a clear error.
 */
public final class WeightsMetadata {
  public static final String MODEL = "model";
  public static final String NUM_CLASSES = "num_classes";
  public static final String IN_CHANNELS = "in_channels";

  private WeightsMetadata() {}

  /** Tags {@code sd} with the model name, classes and input channels (and safetensors' "pt"). */
  public static StateDict tag(StateDict sd, String model, int numClasses, int inChannels) {
    sd.putMetadata("format", "pt");
    sd.putMetadata(MODEL, model);
    sd.putMetadata(NUM_CLASSES, Integer.toString(numClasses));
    sd.putMetadata(IN_CHANNELS, Integer.toString(inChannels));
    return sd;
  }
}
