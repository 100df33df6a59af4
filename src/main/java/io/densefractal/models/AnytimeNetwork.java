package io.densefractal.models;

import ai.djl.nn.Block;
import java.util.List;

/**
 * A network whose columns can each run alone as a faster, shallower network (FractalNet's "anytime"
 * property).
 */
public interface AnytimeNetwork {
  /** Number of columns; column 1 is the shallowest. */
  int columns();

  /** Column {@code i} (1-based) as a standalone block sharing this network's weights. */
  Block column(int i);

  /** Key prefixes of the layers column {@code i} runs ({@code blocks.0.columns.2.}, ...). */
  List<String> columnLayerPrefixes(int i);

  /**
   * {@code block} itself when {@code column} is null, else that column of it.
   *
   * @throws ConfigException when a column is asked of a model without columns
   */
  static Block columnOrWhole(Block block, Integer column, String modelName) {
    if (column == null) {
      return block;
    }
    if (!(block instanceof AnytimeNetwork net)) {
      throw new ConfigException(
          modelName + " has no columns (FractalNet models have); drop --column");
    }
    return net.column(column);
  }
}
