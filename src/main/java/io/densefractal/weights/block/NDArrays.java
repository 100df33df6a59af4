package io.densefractal.weights.block;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.densefractal.weights.Tensor;

/** Conversions between file tensors and engine arrays. */
public final class NDArrays {
  private NDArrays() {}

  /** A float32 engine array with the tensor's values (any numeric dtype is converted). */
  public static NDArray toFloat32(Tensor t, NDManager manager) {
    return manager.create(t.toFloatArray(), new Shape(t.shape()));
  }

  /** A file tensor with the array's values, in the array's dtype where files support it. */
  public static Tensor toTensor(NDArray a) {
    long[] shape = a.getShape().getShape();
    DataType type = a.getDataType();
    return switch (type) {
      case FLOAT32 -> Tensor.ofFloats(shape, a.toFloatArray());
      case INT64 -> Tensor.ofLongs(shape, a.toLongArray());
      default -> Tensor.ofFloats(shape, a.toType(DataType.FLOAT32, false).toFloatArray());
    };
  }
}
