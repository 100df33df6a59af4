package io.densefractal.spark;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.densefractal.DenseFractalException;
import io.densefractal.weights.block.TorchKeys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * A network's parameters as flat float arrays, in one fixed order (the torch state-dict order of
 * {@link TorchKeys#parameters}), which the driver and every replica share because they build the
 * same network: the trainable parameters (their gradients travel), then everything else (the
 * BatchNorm running statistics, which travel with the weights and back from worker 0).
 */
final class FlatParameters {
  private final List<Parameter> trainable = new ArrayList<>();
  private final List<Parameter> buffers = new ArrayList<>();
  private final int trainableSize;
  private final int bufferSize;

  FlatParameters(Block block) {
    for (Map.Entry<String, Parameter> e : TorchKeys.parameters(block).entrySet()) {
      (e.getValue().requiresGradient() ? trainable : buffers).add(e.getValue());
    }
    trainableSize = size(trainable);
    bufferSize = size(buffers);
  }

  private static int size(List<Parameter> params) {
    long n = 0;
    for (Parameter p : params) {
      n += p.getArray().size();
    }
    return Math.toIntExact(n);
  }

  int trainableSize() {
    return trainableSize;
  }

  int bufferSize() {
    return bufferSize;
  }

  /** Trainable parameters, then buffers. */
  float[] values() {
    float[] out = new float[trainableSize + bufferSize];
    int at = copyOut(trainable, out, 0, false);
    copyOut(buffers, out, at, false);
    return out;
  }

  float[] bufferValues() {
    float[] out = new float[bufferSize];
    copyOut(buffers, out, 0, false);
    return out;
  }

  /** The accumulated gradients of the trainable parameters. */
  float[] gradients() {
    float[] out = new float[trainableSize];
    copyOut(trainable, out, 0, true);
    return out;
  }

  private static int copyOut(List<Parameter> params, float[] out, int at, boolean gradient) {
    for (Parameter p : params) {
      NDArray a = p.getArray();
      float[] v;
      if (gradient) {
        try (NDArray g = a.getGradient()) {
          v = g.toFloatArray();
        }
      } else {
        v = a.toFloatArray();
      }
      System.arraycopy(v, 0, out, at, v.length);
      at += v.length;
    }
    return at;
  }

  /** Sets every parameter and buffer from {@link #values()}'s layout. */
  void setValues(float[] values) {
    if (values.length != trainableSize + bufferSize) {
      throw new DenseFractalException(
          "the broadcast weights hold "
              + values.length
              + " values, this replica's network "
              + (trainableSize + bufferSize)
              + ": driver and worker built different networks");
    }
    int at = copyIn(trainable, values, 0, false);
    copyIn(buffers, values, at, false);
  }

  void setBuffers(float[] values) {
    copyIn(buffers, values, 0, false);
  }

  /** Sets the trainable parameters' gradients, which must exist and be finite. */
  void setGradients(float[] values) {
    copyIn(trainable, values, 0, true);
  }

  private static int copyIn(List<Parameter> params, float[] values, int at, boolean gradient) {
    for (Parameter p : params) {
      NDArray a = p.getArray();
      int n = Math.toIntExact(a.size());
      float[] slice = Arrays.copyOfRange(values, at, at + n);
      if (gradient) {
        // In place, never NDArray.set: set points the tensor at a buffer the handle keeps alive,
        // and a gradient's handle is a temporary one (the gradient's memory would be freed).
        try (NDArray g = a.getGradient();
            NDManager scope = a.getManager().newSubManager()) {
          g.subi(g).addi(scope.create(slice, a.getShape()));
        }
      } else {
        a.set(slice);
      }
      at += n;
    }
    return at;
  }

  /**
   * Gives every trainable parameter a gradient (zero) to copy averaged gradients into, for a
   * network that computes none itself (the driver's): libtorch creates a tensor's gradient at its
   * first backward pass.
   */
  void materializeGradients(NDManager manager) {
    try (NDManager scope = manager.newSubManager();
        GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      NDArray zero = null;
      for (Parameter p : trainable) {
        NDArray term = p.getArray().sum().mul(0);
        term.attach(scope);
        zero = zero == null ? term : zero.add(term);
        zero.attach(scope);
      }
      if (zero != null) {
        collector.backward(zero);
      }
    }
    zeroGradients();
  }

  /** Zeroes the gradients in place (they accumulate over backward passes); they must be finite. */
  void zeroGradients() {
    for (Parameter p : trainable) {
      try (NDArray g = p.getArray().getGradient()) {
        g.subi(g);
      }
    }
  }

  /** CRC-32C of the values' bits: equal values give equal checksums, on any machine. */
  static long checksum(float[] values) {
    CRC32C crc = new CRC32C();
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      if (!chunk.hasRemaining()) {
        chunk.flip();
        crc.update(chunk);
        chunk.clear();
      }
      chunk.putFloat(v);
    }
    chunk.flip();
    crc.update(chunk);
    return crc.getValue();
  }
}
