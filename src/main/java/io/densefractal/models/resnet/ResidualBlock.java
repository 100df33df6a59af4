package io.densefractal.models.resnet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.densefractal.models.TorchModule;

/**
 * What every ResNet block shares: out = ReLU(F(x) + shortcut(x)), where the shortcut is the
 * identity unless the block changes width or resolution. Subclasses define the residual branch F as
 * a chain of children.
 */
abstract class ResidualBlock extends TorchModule {
  private Block shortcut;

  /** Registers the shortcut after the branch's layers, matching torchvision's attribute order. */
  protected final void shortcut(Block block) {
    shortcut = block == null ? null : module(Shortcuts.attributeName(block), block);
  }

  /**
   * The residual branch's layers, applied in order with a ReLU after all but the last BatchNorm.
   */
  protected abstract Block[] branch();

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Block[] layers = branch();
    NDArray out = x;
    // Layers come in (conv, bn) pairs: ReLU between pairs, not after the last one.
    for (int i = 0; i < layers.length; i += 2) {
      out = call(layers[i + 1], ps, call(layers[i], ps, out, training), training);
      if (i + 2 < layers.length) {
        out = Activation.relu(out);
      }
    }
    NDArray identity = shortcut == null ? x : call(shortcut, ps, x, training);
    return new NDList(Activation.relu(out.add(identity)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputs) {
    initializeChain(manager, dataType, inputs, branch());
    if (shortcut != null) {
      shortcut.initialize(manager, dataType, inputs);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    return chainShapes(inputs, branch());
  }
}
