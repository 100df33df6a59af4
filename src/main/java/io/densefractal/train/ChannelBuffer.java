package io.densefractal.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * A dense block's feature maps, concatenated along channels in one array allocated once per block:
 * Pleiss et al.'s (2017) shared storage. A layer reads the maps so far as a view of the first
 * channels and its new maps are copied in after them, so no layer copies its whole input into a
 * fresh concatenation: O(L) copied channels per block instead of O(L²).
 *
 * <p>Only for passes that record no graph: a write into the buffer would change an array that a
 * recorded operation saved for its backward.
 */
final class ChannelBuffer {
  private final NDManager manager;
  private NDArray storage; // (N, capacity, H, W); channels past `length` are not yet written
  private long length;

  /** An empty buffer for maps shaped like {@code like}, with room for {@code capacity} channels. */
  ChannelBuffer(NDArray like, long capacity, NDManager manager) {
    this.manager = manager;
    storage = allocate(like.getShape(), capacity, like);
  }

  /** The maps appended so far, concatenated: a view sharing the buffer's memory. */
  NDArray contents() {
    NDArray view = storage.get(new NDIndex(":, 0:{}", length));
    view.attach(manager);
    return view;
  }

  /** Copies {@code maps} in after the maps already held, growing the buffer if it is full. */
  void append(NDArray maps) {
    long channels = maps.getShape().get(1);
    long capacity = storage.getShape().get(1);
    if (length + channels > capacity) {
      // Grow geometrically; earlier views keep the old storage alive for as long as they need it.
      NDArray bigger =
          allocate(storage.getShape(), Math.max(2 * capacity, length + channels), maps);
      bigger.set(new NDIndex(":, 0:{}", length), contents());
      storage.close();
      storage = bigger;
    }
    storage.set(new NDIndex(":, {}:{}", length, length + channels), maps);
    length += channels;
  }

  private NDArray allocate(Shape like, long channels, NDArray type) {
    NDArray a =
        manager.create(
            new Shape(like.get(0), channels, like.get(2), like.get(3)), type.getDataType());
    a.attach(manager);
    return a;
  }
}
