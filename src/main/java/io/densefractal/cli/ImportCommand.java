package io.densefractal.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code import}: a torch checkpoint (any .pth flavour) checked strictly against a model and
 * written as canonical weights (torchvision keys and order, float32) with our metadata.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = "Check a .pth against a model (strict) and write it as .safetensors (or .pth).")
final class ImportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ModelArgs modelArgs;

  @Option(names = "--from", required = true, description = "torch.save file (zip or legacy).")
  Path from;

  @Option(names = "--to", required = true, description = "Target .safetensors (or .pth).")
  Path to;

  @Override
  public Integer call() {
    return WeightConversion.run(spec.commandLine().getOut(), modelArgs, from, to);
  }
}
