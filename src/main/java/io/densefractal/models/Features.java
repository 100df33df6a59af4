package io.densefractal.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * A zoo network without its classifier, sharing the network's weights (a view, like a FractalNet
 * column): the unpooled last feature map (N, D, h, w), or its global average (N, D), the embedding
 * the classifier reads. Eval mode only: load the network's weights first, then take the view.
 *
 * <pre>
 * Block net = spec.create(options);  // initialise, load weights
 * Block embed = Features.of(net, Features.Kind.POOLED);
 * </pre>
 */
public final class Features extends AbstractBlock {
  /** What the view returns. */
  public enum Kind {
    /** (N, D, h, w): the last feature map. */
    UNPOOLED,
    /** (N, D): its global average, the embedding. */
    POOLED
  }

  private final FeatureNetwork network;
  private final Kind kind;

  private Features(FeatureNetwork network, Kind kind) {
    this.network = network;
    this.kind = kind;
  }

  /**
   * The features of {@code network} (a zoo model, or a FractalNet column).
   *
   * @throws ConfigException when the block is not a zoo network
   */
  public static Features of(Block network, Kind kind) {
    if (!(network instanceof FeatureNetwork features)) {
      throw new ConfigException(
          network.getClass().getSimpleName() + " is not a zoo network: it has no feature output");
    }
    return new Features(features, kind);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray map = network.features(ps, inputs.singletonOrThrow());
    if (kind == Kind.UNPOOLED) {
      return new NDList(map);
    }
    return new NDList(
        Scoped.apply(map, m -> Pool.globalAvgPool2d(m).reshape(m.getShape().get(0), -1)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputs) {
    throw new UnsupportedOperationException("a features view is run, not initialised");
  }
}
