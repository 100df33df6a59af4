package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import io.densefractal.files.OutputPaths;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import io.densefractal.weights.WeightsMetadata;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Import and export in one: read any weights, load strictly into the model, write canonically. */
final class WeightConversion {
  private WeightConversion() {}

  /**
   * The model a weights file's metadata names (ours do).
   *
   * @throws DenseFractalException when it names none: then --model is needed
   */
  static String modelNamedBy(Path weights) {
    String named = WeightFiles.read(weights).metadata().get(WeightsMetadata.MODEL);
    if (named == null) {
      throw new DenseFractalException(
          weights + " does not name its model (torchvision's files do not); give --model");
    }
    return named;
  }

  static int run(PrintWriter out, ModelArgs modelArgs, Path from, Path to) {
    OutputPaths.check(Map.of("--to", to), List.of(from));
    try (LoadedModel model = LoadedModel.fromFile(modelArgs.spec(), modelArgs.options(), from)) {
      StateDict sd = model.stateDict();
      WeightFiles.write(sd, to);
      out.printf(
          Locale.ROOT,
          "%s: %d tensors (%,d values) from %s written to %s%n",
          model.spec.name(),
          sd.size(),
          sd.numel(),
          from,
          to);
    }
    return 0;
  }
}
