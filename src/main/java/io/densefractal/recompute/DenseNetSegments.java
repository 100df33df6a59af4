package io.densefractal.recompute;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.models.densenet.DenseBlock;
import io.densefractal.models.densenet.DenseLayer;
import io.densefractal.models.densenet.DenseNet;
import io.densefractal.models.densenet.Transition;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link DenseNet}'s forward pass at the granularity memory-efficient training needs: the stem,
 * then one segment per dense layer (state = the block's feature maps so far; the segment appends
 * the layer's k new channels), then each transition (or, after the last block, norm5 and the
 * classifier). Only the feature maps themselves are kept between segments: linear, not quadratic,
 * in depth.
 */
final class DenseNetSegments implements SegmentedNetwork {
  private static final String FEATURES = "features";
  private final DenseNet net;

  DenseNetSegments(DenseNet net) {
    this.net = net;
  }

  @Override
  public List<Segment> segments() {
    List<Segment> out = new ArrayList<>();
    out.add((ps, state, training) -> new NDList(net.stem(ps, state.singletonOrThrow(), training)));
    List<DenseBlock> blocks = net.denseBlocks();
    List<Transition> transitions = net.transitions();
    for (int b = 0; b < blocks.size(); b++) {
      for (DenseLayer layer : blocks.get(b).layers()) {
        out.add(new LayerSegment(layer));
      }
      if (b < transitions.size()) {
        out.add(new TransitionSegment(transitions.get(b)));
      } else {
        out.add(
            (ps, state, training) ->
                new NDList(net.classify(ps, NDArrays.concat(state, 1), training)));
      }
    }
    return out;
  }

  /** The features concatenated along channels (a single map as it is), as a dense layer joins. */
  private static NDArray joined(NDList features) {
    return features.size() == 1 ? features.head() : NDArrays.concat(features, 1);
  }

  /**
   * A dense layer: it appends its k new channels to the block's maps. Its first step concatenates
   * its state, so a pre-concatenated state is the same, and its first BatchNorm can take the maps'
   * batch statistics.
   */
  private record LayerSegment(DenseLayer layer)
      implements AppendingSegment, StatisticsReusingSegment {
    @Override
    public NDArray compute(ParameterStore ps, NDList state, boolean training) {
      return layer.forward(ps, state, training).singletonOrThrow();
    }

    @Override
    public NDList forward(ParameterStore ps, NDList state, BatchStatistics stateStatistics) {
      NDArray normalized = stateStatistics.normalize(ps, layer.inputNorm(), joined(state));
      NDList next = new NDList(state);
      next.add(layer.afterInputNorm(ps, normalized, true));
      return next;
    }

    @Override
    public Block stateNorm() {
      return layer.inputNorm();
    }

    @Override
    public boolean concatenatesState() {
      return true;
    }
  }

  /** A transition: it replaces the block's maps by their compressed, pooled concatenation. */
  private record TransitionSegment(Transition transition) implements StatisticsReusingSegment {
    @Override
    public NDList forward(ParameterStore ps, NDList state, boolean training) {
      return transition.forward(ps, new NDList(NDArrays.concat(state, 1)), training);
    }

    @Override
    public NDList forward(ParameterStore ps, NDList state, BatchStatistics stateStatistics) {
      NDArray x = NDArrays.concat(state, 1);
      NDArray normalized = stateStatistics.normalize(ps, transition.inputNorm(), x);
      return new NDList(transition.afterInputNorm(ps, normalized, true));
    }

    @Override
    public Block stateNorm() {
      return transition.inputNorm();
    }
  }

  /** Stem output, every dense layer's k new channels, every transition's output, the logits. */
  @Override
  public long[] keptElements(Shape input) {
    List<Long> kept = new ArrayList<>();
    Shape[] x = {net.stemShape(input)};
    kept.add(x[0].size());
    List<DenseBlock> blocks = net.denseBlocks();
    List<Transition> transitions = net.transitions();
    for (int b = 0; b < blocks.size(); b++) {
      for (DenseLayer layer : blocks.get(b).layers()) {
        Shape added = layer.getOutputShapes(x)[0];
        kept.add(added.size());
        x = new Shape[] {DenseLayer.concatenated(new Shape[] {x[0], added})};
      }
      if (b < transitions.size()) {
        x = transitions.get(b).getOutputShapes(x);
        kept.add(x[0].size());
      } else {
        kept.add(input.get(0) * net.config().numClasses()); // the logits
      }
    }
    return kept.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public List<List<String>> segmentLayerPrefixes() {
    List<List<String>> prefixes = new ArrayList<>();
    prefixes.add(net.stemNames());
    List<DenseBlock> blocks = net.denseBlocks();
    for (int b = 0; b < blocks.size(); b++) {
      String block = FEATURES + ".denseblock" + (b + 1);
      for (int i = 1; i <= blocks.get(b).layers().size(); i++) {
        prefixes.add(List.of(block + ".denselayer" + i));
      }
      prefixes.add(
          b < net.transitions().size()
              ? List.of(FEATURES + ".transition" + (b + 1))
              : List.of(FEATURES + ".norm5", "classifier"));
    }
    return prefixes;
  }

  @Override
  public long[] segmentInputElements(Shape input) {
    List<Long> sizes = new ArrayList<>();
    sizes.add(input.size()); // the stem's
    Shape[] x = {net.stemShape(input)};
    List<DenseBlock> blocks = net.denseBlocks();
    List<Transition> transitions = net.transitions();
    for (int b = 0; b < blocks.size(); b++) {
      long state = x[0].size();
      for (DenseLayer layer : blocks.get(b).layers()) {
        sizes.add(state); // every map so far
        Shape added = layer.getOutputShapes(x)[0];
        state += added.size();
        x = new Shape[] {DenseLayer.concatenated(new Shape[] {x[0], added})};
      }
      sizes.add(state); // the transition's, or norm5 and the head's
      if (b < transitions.size()) {
        x = transitions.get(b).getOutputShapes(x);
      }
    }
    return sizes.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public boolean isStochastic() {
    return net.config().dropRate() > 0;
  }
}
