package io.densefractal.inference;

import io.densefractal.DenseFractalException;
import java.util.Locale;

/** The engine that runs a classifier's forward pass. */
public enum Engine {
  /** libtorch through DJL: every zoo model and weights format; the engine training uses. */
  LIBTORCH,
  /** ONNX Runtime: an {@code .onnx} file (ours or torch.onnx.export's), fused CPU kernels. */
  ONNXRUNTIME;

  /** The CLI spelling: {@code libtorch}, {@code onnxruntime}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the CLI spelling (case-insensitive). */
  public static Engine parse(String text) {
    for (Engine e : values()) {
      if (e.cliName().equalsIgnoreCase(text)) {
        return e;
      }
    }
    throw new DenseFractalException(
        "unknown engine '" + text + "' (expected libtorch or onnxruntime)");
  }
}
