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
import io.densefractal.models.ConvBn;
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

  /** The residual branch's layers: (conv, BatchNorm) pairs, with a ReLU between pairs. */
  protected abstract Block[] branch();

  private ConvBn[] pairs;

  /** The branch as (conv, BatchNorm) pairs, built on first use. */
  private ConvBn[] pairs() {
    if (pairs == null) {
      Block[] layers = branch();
      ConvBn[] p = new ConvBn[layers.length / 2];
      for (int i = 0; i < p.length; i++) {
        p[i] = new ConvBn(layers[2 * i], layers[2 * i + 1]);
      }
      pairs = p;
    }
    return pairs;
  }

  /** Folds every conv + BatchNorm pair of the branch and of a projection shortcut. */
  void foldBatchNorm() {
    for (ConvBn pair : pairs()) {
      pair.fold();
    }
    if (shortcut instanceof Projection projection) {
      projection.foldBatchNorm();
    }
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    ConvBn[] branch = pairs();
    // Each intermediate is closed as soon as the next one exists (autograd keeps what backward
    // needs), so a block holds two or three activations at a time, not all ten: ResNet-50
    // inference at batch 32 peaked at 1.25 GB with them all alive until the block ended.
    NDArray out = x;
    // ReLU between the (conv, BatchNorm) pairs, not after the last one.
    for (int i = 0; i < branch.length; i++) {
      out = release(out, x, branch[i].forward(ps, out, training));
      if (i + 1 < branch.length) {
        out = release(out, x, Activation.relu(out));
      }
    }
    NDArray identity = shortcut == null ? x : call(shortcut, ps, x, training);
    NDArray sum = release(out, x, out.add(identity));
    if (identity != x) {
      identity.close();
    }
    return new NDList(release(sum, x, Activation.relu(sum)));
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
