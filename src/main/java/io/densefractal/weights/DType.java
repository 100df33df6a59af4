package io.densefractal.weights;

import java.util.Locale;

/** Element types that can appear in weight files, with their names in each format we read. */
public enum DType {
  FLOAT32(4, "F32", "<f4", "FloatStorage"),
  FLOAT64(8, "F64", "<f8", "DoubleStorage"),
  FLOAT16(2, "F16", "<f2", "HalfStorage"),
  BFLOAT16(2, "BF16", null, "BFloat16Storage"),
  INT64(8, "I64", "<i8", "LongStorage"),
  INT32(4, "I32", "<i4", "IntStorage"),
  INT16(2, "I16", "<i2", "ShortStorage"),
  INT8(1, "I8", "|i1", "CharStorage"),
  UINT8(1, "U8", "|u1", "ByteStorage"),
  BOOL(1, "BOOL", "|b1", "BoolStorage");

  private final int byteSize;
  private final String safetensorsName;
  private final String numpyDescr;
  private final String torchStorageClass;

  DType(int byteSize, String safetensorsName, String numpyDescr, String torchStorageClass) {
    this.byteSize = byteSize;
    this.safetensorsName = safetensorsName;
    this.numpyDescr = numpyDescr;
    this.torchStorageClass = torchStorageClass;
  }

  public int byteSize() {
    return byteSize;
  }

  /** The dtype string of the safetensors header ({@code F32}, {@code BF16}, ...). */
  public String safetensorsName() {
    return safetensorsName;
  }

  /** The little-endian numpy descr ({@code <f4}), or null where numpy has no such type. */
  public String numpyDescr() {
    return numpyDescr;
  }

  /** The legacy typed storage class torch pickles for this dtype ({@code torch.FloatStorage}). */
  public String torchStorageClass() {
    return torchStorageClass;
  }

  public boolean isFloatingPoint() {
    return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
  }

  public static DType fromSafetensorsName(String name) {
    for (DType t : values()) {
      if (t.safetensorsName.equals(name)) {
        return t;
      }
    }
    throw new WeightsFormatException("unsupported safetensors dtype '" + name + "'");
  }

  public static DType fromTorchStorageClass(String name) {
    for (DType t : values()) {
      if (t.torchStorageClass.equals(name)) {
        return t;
      }
    }
    throw new WeightsFormatException("unsupported torch storage type '" + name + "'");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
