package io.densefractal.cli;

import io.densefractal.inference.Engine;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --engine} and {@code --threads} of the inference commands. */
final class EngineArgs {
  @Option(
      names = "--engine",
      paramLabel = "libtorch|onnxruntime",
      converter = EngineConverter.class,
      description =
          "Inference engine (default: onnxruntime for an .onnx file, libtorch for everything"
              + " else; training stays on libtorch).")
  Engine engine;

  @Option(
      names = "--threads",
      description = "Intra-op threads of the engine (default: one per core).")
  Integer threads;

  /** The thread count for the engine, 0 for its default; rejects values below 1 as usage. */
  int threads(CommandLine commandLine) {
    if (threads == null) {
      return 0;
    }
    if (threads < 1) {
      throw new CommandLine.ParameterException(
          commandLine, "--threads must be at least 1, got " + threads);
    }
    return threads;
  }

  static final class EngineConverter implements CommandLine.ITypeConverter<Engine> {
    @Override
    public Engine convert(String value) {
      try {
        return Engine.parse(value);
      } catch (RuntimeException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not an engine (expected libtorch or onnxruntime)");
      }
    }
  }
}
