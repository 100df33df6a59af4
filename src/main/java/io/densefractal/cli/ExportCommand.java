package io.densefractal.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code export}: our weights to a .pth that torchvision's load_state_dict(strict=True) takes. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Write weights (.safetensors or .pth) as a torch zip .pth for torchvision.")
final class ExportCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ModelArgs modelArgs;

  @Option(names = "--weights", required = true, description = "Weights to export.")
  Path weights;

  @Option(names = "--to", required = true, description = "Target .pth.")
  Path to;

  @Override
  public Integer call() {
    return WeightConversion.run(spec.commandLine().getOut(), modelArgs, weights, to);
  }
}
