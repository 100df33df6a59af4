package io.densefractal.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An engine-free tensor as it lives in a weights file: dtype, shape and C-contiguous little-endian
 * bytes. Immutable: the bytes are never exposed for writing.
 */
public final class Tensor {
  private final DType dtype;
  private final long[] shape;
  private final byte[] data;

  /**
   * Wraps {@code data} (taken over, not copied: callers hand in a fresh array).
   *
   * @throws WeightsFormatException if the byte count does not equal numel × element size
   */
  public Tensor(DType dtype, long[] shape, byte[] data) {
    this.dtype = dtype;
    this.shape = shape.clone();
    long expected = Math.multiplyExact(numel(this.shape), dtype.byteSize());
    if (expected != data.length) {
      throw new WeightsFormatException(
          "tensor of shape "
              + Arrays.toString(shape)
              + " and dtype "
              + dtype
              + " needs "
              + expected
              + " bytes, got "
              + data.length);
    }
    this.data = data;
  }

  public static Tensor ofFloats(long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return new Tensor(DType.FLOAT32, shape, b.array());
  }

  public static Tensor ofLongs(long[] shape, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return new Tensor(DType.INT64, shape, b.array());
  }

  /** Number of elements of a shape; 1 for a scalar (empty shape). */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new WeightsFormatException("negative dimension in shape " + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  public DType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    return numel(shape);
  }

  public long byteSize() {
    return data.length;
  }

  /** The raw little-endian bytes, read-only. */
  public ByteBuffer buffer() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** The values converted to float32 (exact for float16/bfloat16, rounded for float64/int64). */
  public float[] toFloatArray() {
    int n = Math.toIntExact(numel());
    float[] out = new float[n];
    ByteBuffer b = buffer();
    switch (dtype) {
      case FLOAT32 -> b.asFloatBuffer().get(out);
      case FLOAT64 -> {
        for (int i = 0; i < n; i++) {
          out[i] = (float) b.getDouble(i * 8);
        }
      }
      case FLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = halfToFloat(b.getShort(i * 2));
        }
      }
      case BFLOAT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = Float.intBitsToFloat((b.getShort(i * 2) & 0xffff) << 16);
        }
      }
      case INT64, INT32, INT16, INT8, UINT8, BOOL -> {
        long[] values = toLongArray();
        for (int i = 0; i < n; i++) {
          out[i] = values[i];
        }
      }
      default -> throw new IllegalStateException("unhandled dtype " + dtype);
    }
    return out;
  }

  /** The values as int64 (integer dtypes only). */
  public long[] toLongArray() {
    int n = Math.toIntExact(numel());
    long[] out = new long[n];
    ByteBuffer b = buffer();
    switch (dtype) {
      case INT64 -> b.asLongBuffer().get(out);
      case INT32 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getInt(i * 4);
        }
      }
      case INT16 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.getShort(i * 2);
        }
      }
      case INT8 -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i);
        }
      }
      case UINT8, BOOL -> {
        for (int i = 0; i < n; i++) {
          out[i] = b.get(i) & 0xff;
        }
      }
      default -> throw new WeightsFormatException("cannot read " + dtype + " tensor as integers");
    }
    return out;
  }

  /** IEEE 754 binary16 to float (Float.float16ToFloat arrives only in Java 20). */
  static float halfToFloat(short bits) {
    int sign = (bits & 0x8000) << 16;
    int exponent = (bits >>> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    if (exponent == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      // Zero or subnormal: value = mantissa · 2^-24.
      float magnitude = mantissa * 0x1p-24f;
      return sign == 0 ? magnitude : -magnitude;
    }
    return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  }

  @Override
  public String toString() {
    return "Tensor(" + dtype + ", " + Arrays.toString(shape) + ")";
  }
}
