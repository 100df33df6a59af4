package io.densefractal.compare;

import io.densefractal.models.ConfigException;
import io.densefractal.models.ModelZoo;
import java.nio.file.Path;
import java.util.List;

/**
 * A comparison: the same data, seed and epoch budget for every model.
 *
 * @param models zoo names
 * @param dataset dataset name or folder
 * @param dataDir where to look for the dataset first, or null
 * @param epochs epochs per model
 * @param recipe recipe name for all models, or null for each model's own (its paper's)
 * @param seed one seed for all
 * @param imageSize input size for all models (0 = the largest minimum the models need)
 * @param limitTrain stratified training subset (0 = all)
 * @param limitTest stratified test subset (0 = all)
 * @param outDir one run directory per model plus the report
 * @param benchIters timed steps per speed/memory measurement
 */
public record CompareConfig(
    List<String> models,
    String dataset,
    String dataDir,
    int epochs,
    String recipe,
    long seed,
    int imageSize,
    int limitTrain,
    int limitTest,
    Path outDir,
    int benchIters) {
  public CompareConfig {
    models = List.copyOf(models);
    if (models.isEmpty()) {
      throw new ConfigException("compare needs at least one model");
    }
    // Every name checked before the first model trains for hours.
    models.forEach(ModelZoo::get);
    if (models.stream().distinct().count() != models.size()) {
      throw new ConfigException("a model is listed twice: " + models);
    }
    if (epochs < 1 || benchIters < 1) {
      throw new ConfigException("epochs and bench iterations must be >= 1");
    }
  }
}
