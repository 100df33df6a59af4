package io.densefractal.models.fractalnet;

import ai.djl.ndarray.NDList;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * A named container like {@code torch.nn.ModuleList}: it only gives its children their place in the
 * state-dict keys ({@code columns.2.convs.1}); its owner runs and initialises them.
 */
final class ModuleList extends AbstractBlock {
  ModuleList(List<? extends Block> blocks) {
    for (int i = 0; i < blocks.size(); i++) {
      addChildBlock(Integer.toString(i), blocks.get(i));
    }
  }

  ModuleList(String name, Block block) {
    addChildBlock(name, block);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    throw new UnsupportedOperationException("a ModuleList is run by its owner");
  }

  @Override
  public ai.djl.ndarray.types.Shape[] getOutputShapes(ai.djl.ndarray.types.Shape[] inputs) {
    throw new UnsupportedOperationException("a ModuleList is run by its owner");
  }
}
