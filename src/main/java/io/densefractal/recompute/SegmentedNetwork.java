package io.densefractal.recompute;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.densefractal.models.densenet.DenseNet;
import java.util.List;
import java.util.Optional;

/**
 * A network's forward pass presented as a chain of {@link Segment}s, so that training can keep only
 * the states between segments and recompute the rest (see {@link RecomputingBackward}). Chaining
 * the segments must compute exactly what the block's own forward computes. {@link #of} knows which
 * networks have one (DenseNet).
 *
 * <p>Memory-efficient training runs the network's tail — the last segments, as many as {@link
 * #tailStart} admits — as an ordinary forward and backward, and recomputes the segments before it.
 */
public interface SegmentedNetwork {
  /**
   * The tail that runs with its graph may hold segment inputs adding up to this many times the
   * largest segment input. Its graph keeps about two arrays of each input's size (the concatenation
   * and the ReLU output), about what recomputing the largest segment holds at its peak; the value
   * is the one measured best on DenseNet-BC-100 (docs/BENCHMARKS.md, "Tail budget").
   */
  double DEFAULT_TAIL_BUDGET = 5;

  /** {@code block}'s segmented forward pass, or empty when it has none. */
  static Optional<SegmentedNetwork> of(Block block) {
    return block instanceof DenseNet net
        ? Optional.of(new DenseNetSegments(net))
        : Optional.empty();
  }

  List<Segment> segments();

  /**
   * For a forward pass on {@code input}: per segment, the elements of the state it hands on that
   * memory-efficient training keeps when the segment is recomputed (for a dense layer only its new
   * maps, the earlier ones being kept already).
   */
  long[] keptElements(Shape input);

  /**
   * For a forward pass on {@code input}: the number of elements in each segment's input state, in
   * segment order (what a segment's graph grows with; memory-efficient training sizes by it).
   */
  long[] segmentInputElements(Shape input);

  /**
   * Per segment, the state-dict name prefixes of the layers it runs (a layer belongs to a segment
   * when its name is one of them or starts with one of them followed by a dot).
   */
  List<List<String>> segmentLayerPrefixes();

  /** Whether any segment draws random numbers (dropout): recomputation must then replay them. */
  boolean isStochastic();

  /**
   * The first segment of the longest tail whose input sizes add up to at most {@code budget} times
   * the largest input ({@code inputSizes.length}, i.e. no tail, when not even the last fits).
   */
  static int tailStart(long[] inputSizes, double budget) {
    long largest = 0;
    for (long size : inputSizes) {
      largest = Math.max(largest, size);
    }
    double allowed = budget * largest;
    double sum = 0;
    int start = inputSizes.length;
    while (start > 0 && sum + inputSizes[start - 1] <= allowed) {
      sum += inputSizes[--start];
    }
    return start;
  }
}
