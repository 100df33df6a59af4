package io.densefractal.weights.pth;

import io.densefractal.weights.DType;
import io.densefractal.weights.WeightsFormatException;
import java.util.regex.Pattern;

/**
 * A pickle global on the allow-list: the callables and types a torch state dict needs, the same set
 * torch's own {@code weights_only=True} unpickler accepts (minus sparse and meta tensors). It is
 * only ever a marker: nothing is looked up or called reflectively; {@link TorchUnpickler}
 * interprets it.
 */
final class TorchGlobal {
  enum Kind {
    ORDERED_DICT,
    REBUILD_TENSOR,
    REBUILD_TENSOR_V2,
    REBUILD_PARAMETER,
    REBUILD_PARAMETER_WITH_STATE,
    REBUILD_FROM_TYPE_V2,
    TENSOR_TYPE,
    PARAMETER_TYPE,
    SIZE,
    STORAGE_TYPE
  }

  private static final Pattern STORAGE_CLASS = Pattern.compile("[A-Za-z0-9]+Storage");

  private final String module;
  private final String name;
  private final Kind kind;
  private final DType dtype;

  private TorchGlobal(String module, String name, Kind kind, DType dtype) {
    this.module = module;
    this.name = name;
    this.kind = kind;
    this.dtype = dtype;
  }

  /**
   * Resolves {@code module.name} against the allow-list.
   *
   * @throws UnsafePickleException for anything not on it
   * @throws WeightsFormatException for a torch storage class of an unsupported dtype
   */
  static TorchGlobal resolve(String module, String name) {
    // torch < 1.8 pickled torch._tensor functions under their old module name.
    String mod = module.equals("torch.tensor") ? "torch._tensor" : module;
    Kind kind =
        switch (mod + "." + name) {
          case "collections.OrderedDict" -> Kind.ORDERED_DICT;
          case "torch._utils._rebuild_tensor" -> Kind.REBUILD_TENSOR;
          case "torch._utils._rebuild_tensor_v2" -> Kind.REBUILD_TENSOR_V2;
          case "torch._utils._rebuild_parameter" -> Kind.REBUILD_PARAMETER;
          case "torch._utils._rebuild_parameter_with_state" -> Kind.REBUILD_PARAMETER_WITH_STATE;
          case "torch._tensor._rebuild_from_type_v2" -> Kind.REBUILD_FROM_TYPE_V2;
          case "torch.Tensor" -> Kind.TENSOR_TYPE;
          case "torch.nn.parameter.Parameter" -> Kind.PARAMETER_TYPE;
          case "torch.Size" -> Kind.SIZE;
          default -> null;
        };
    if (kind != null) {
      return new TorchGlobal(module, name, kind, null);
    }
    if (mod.equals("torch") && STORAGE_CLASS.matcher(name).matches()) {
      return new TorchGlobal(module, name, Kind.STORAGE_TYPE, storageDtype(name));
    }
    throw new UnsafePickleException(module + "." + name);
  }

  private static DType storageDtype(String name) {
    for (DType t : DType.values()) {
      if (t.torchStorageClass().equals(name)) {
        return t;
      }
    }
    throw new WeightsFormatException(
        "unsupported tensor storage type torch."
            + name
            + "; supported: float32/64, float16, bfloat16, int8/16/32/64, uint8 and bool tensors");
  }

  Kind kind() {
    return kind;
  }

  /** The element type of a {@link Kind#STORAGE_TYPE}, else null. */
  DType dtype() {
    return dtype;
  }

  boolean isTensorRebuild() {
    return kind == Kind.REBUILD_TENSOR
        || kind == Kind.REBUILD_TENSOR_V2
        || kind == Kind.REBUILD_PARAMETER
        || kind == Kind.REBUILD_PARAMETER_WITH_STATE;
  }

  @Override
  public String toString() {
    return module + "." + name;
  }
}
