package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Base of our composite blocks: children are registered under their torch attribute names (so the
 * state-dict keys come out as torchvision's), and shapes flow through chains of children.
 */
public abstract class TorchModule extends AbstractBlock {

  /** Registers {@code block} as the child called {@code name} (a torch attribute name). */
  protected final <B extends Block> B module(String name, B block) {
    return addChildBlock(name, block);
  }

  /** Single-tensor forward of a child. */
  protected static NDArray call(
      Block child, ParameterStore parameterStore, NDArray x, boolean training) {
    return child.forward(parameterStore, new NDList(x), training).singletonOrThrow();
  }

  /** Single-tensor forward of a child in its own memory scope (see {@link Scoped}). */
  protected static NDArray callScoped(
      Block child, ParameterStore parameterStore, NDArray x, boolean training) {
    return Scoped.forward(child, parameterStore, new NDList(x), training, null).singletonOrThrow();
  }

  /**
   * {@code next}, after closing {@code consumed}: an intermediate this module made and has just
   * read for the last time (autograd keeps its own reference to whatever backward needs). Left open
   * when it is {@code input}, the module's input (its caller's to close), or {@code next} itself
   * (an op that handed its argument back unchanged).
   */
  protected static NDArray release(NDArray consumed, NDArray input, NDArray next) {
    if (consumed != input && consumed != next) {
      consumed.close();
    }
    return next;
  }

  /** Initialises {@code blocks} one after another, each on the previous one's output shape. */
  protected static Shape[] initializeChain(
      NDManager manager, DataType dataType, Shape[] inputShapes, Block... blocks) {
    Shape[] shapes = inputShapes;
    for (Block block : blocks) {
      block.initialize(manager, dataType, shapes);
      shapes = block.getOutputShapes(shapes);
    }
    return shapes;
  }

  /** The output shape of {@code blocks} applied one after another. */
  protected static Shape[] chainShapes(Shape[] inputShapes, Block... blocks) {
    Shape[] shapes = inputShapes;
    for (Block block : blocks) {
      shapes = block.getOutputShapes(shapes);
    }
    return shapes;
  }
}
