package io.densefractal.inference;

import io.densefractal.UsageException;
import java.nio.file.Path;

/**
 * Where a classifier's model and weights come from, as the inference commands name them: a run
 * directory from {@code train}, a weights file, or a zoo model with torchvision's pretrained
 * weights.
 *
 * @param run a run directory (its best weights), or null
 * @param weights a weights file, or null
 * @param model a zoo model name: with {@code pretrained}, or with {@code weights} whose file does
 *     not name it; else null
 * @param pretrained torchvision's ImageNet weights for {@code model}
 * @param dataset with {@code weights}: the dataset they were trained on, when the file does not
 *     record it; else null
 */
public record ModelSource(
    Path run, Path weights, String model, boolean pretrained, String dataset) {

  public ModelSource {
    if (run != null && (model != null || weights != null || pretrained)) {
      throw new UsageException("--run takes the model and weights from the run");
    }
    if (run == null && ((weights == null) == !pretrained || (pretrained && model == null))) {
      throw new UsageException(
          "give --run RUN_DIR, --weights FILE (with --model unless the file names it), or --model"
              + " with --pretrained");
    }
  }

  public static ModelSource ofRun(Path run) {
    return new ModelSource(run, null, null, false, null);
  }

  public static ModelSource ofWeights(Path weights) {
    return new ModelSource(null, weights, null, false, null);
  }

  public static ModelSource pretrained(String model) {
    return new ModelSource(null, null, model, true, null);
  }

  /** What the source names, for messages and logs. */
  public String describe() {
    if (run != null) {
      return "run " + run;
    }
    if (weights != null) {
      return weights.toString();
    }
    return model + " (pretrained)";
  }
}
