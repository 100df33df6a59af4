package io.densefractal.models;

import static io.densefractal.testing.Close.assertClose;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine's float32 convolution, forward and both gradients, agrees with its float64 one (which
 * does not go through oneDNN) for DenseNet's channel counts. Channel counts that are not a multiple
 * of the SIMD block are where oneDNN 3.7 went wrong on AMD Zen 5 unless capped at SSE4.1
 * (docs/PLATFORMS.md): this fails if the launcher's or the pom's cap goes missing there.
 */
class ConvolutionNumericsTest {

  @ParameterizedTest
  @CsvSource({"120, 12, 3", "24, 16, 3", "48, 12, 3", "120, 48, 1"})
  void float32MatchesFloat64InBothLayouts(int in, int out, int kernel) {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(5);
      NDArray x = m.randomNormal(new Shape(8, in, 12, 12));
      NDArray w = m.randomNormal(new Shape(out, in, kernel, kernel)).mul(0.1);
      NDArray g = m.randomNormal(new Shape(8, out, 12, 12));
      float[][] reference =
          run(
              x.toType(DataType.FLOAT64, true),
              w.toType(DataType.FLOAT64, true),
              g.toType(DataType.FLOAT64, true),
              kernel);
      for (boolean channelsLast : new boolean[] {false, true}) {
        float[][] actual =
            channelsLast
                ? run(
                    MemoryFormat.channelsLast(x),
                    MemoryFormat.channelsLast(w),
                    MemoryFormat.channelsLast(g),
                    kernel)
                : run(x, w, g, kernel);
        String what = in + "->" + out + " " + kernel + "x" + kernel + (channelsLast ? " NHWC " : " ");
        assertClose(what + "output", actual[0], reference[0], 1e-4);
        assertClose(what + "input gradient", actual[1], reference[1], 1e-4);
        assertClose(what + "weight gradient", actual[2], reference[2], 1e-4);
      }
    }
  }

  private static float[][] run(NDArray x, NDArray w, NDArray g, int kernel) {
    NDArray xg = x.duplicate();
    NDArray wg = w.duplicate();
    xg.setRequiresGradient(true);
    wg.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      Shape pad = new Shape(kernel / 2, kernel / 2);
      NDArray y =
          Conv2d.conv2d(xg, wg, null, new Shape(1, 1), pad, new Shape(1, 1), 1).singletonOrThrow();
      gc.backward(y.mul(g).sum());
      return new float[][] {
        y.toType(DataType.FLOAT32, false).toFloatArray(),
        xg.getGradient().toType(DataType.FLOAT32, false).toFloatArray(),
        wg.getGradient().toType(DataType.FLOAT32, false).toFloatArray()
      };
    }
  }
}
