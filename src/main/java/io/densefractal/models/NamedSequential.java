package io.densefractal.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;

/**
 * A chain of blocks with explicit child names, like {@code torch.nn.Sequential} (children "0", "1",
 * ...) or an {@code OrderedDict}-built one ("denseblock1", "transition1"). DJL's SequentialBlock
 * names children after their class, which would break torchvision's state-dict keys. Each child
 * runs in its own memory scope.
 */
public final class NamedSequential extends AbstractBlock {

  /** Appends {@code block} under {@code name}; returns this for chaining. */
  public NamedSequential add(String name, Block block) {
    addChildBlock(name, block);
    return this;
  }

  /** Appends {@code block} named by its position, as torch.nn.Sequential does. */
  public NamedSequential add(Block block) {
    return add(Integer.toString(children.size()), block);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDList x = inputs;
    for (Block child : children.values()) {
      x = Scoped.forward(child, parameterStore, x, training, params);
    }
    return x;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape[] shapes = inputShapes;
    for (Pair<String, Block> child : children) {
      child.getValue().initialize(manager, dataType, shapes);
      shapes = child.getValue().getOutputShapes(shapes);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape[] shapes = inputShapes;
    for (Block child : children.values()) {
      shapes = child.getOutputShapes(shapes);
    }
    return shapes;
  }
}
