package io.densefractal.cli;

import io.densefractal.files.OutputPaths;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Import and export in one: read any weights, load strictly into the model, write canonically. */
final class WeightConversion {
  private WeightConversion() {}

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
