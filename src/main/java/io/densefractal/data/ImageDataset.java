package io.densefractal.data;

import java.util.List;

/** A labelled image dataset. Implementations are safe for concurrent reads. */
public interface ImageDataset {
  int size();

  /** The image at {@code index} (a fresh object; decoding happens here for image folders). */
  Image image(int index);

  /** The label of image {@code index}, an index into {@link #classes()}; cheap (no decoding). */
  int label(int index);

  /** Class names; a label indexes this list. */
  List<String> classes();

  /** How many images each class has, indexed by label. */
  default int[] classCounts() {
    int[] counts = new int[classes().size()];
    for (int i = 0; i < size(); i++) {
      counts[label(i)]++;
    }
    return counts;
  }
}
