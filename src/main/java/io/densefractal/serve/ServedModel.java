package io.densefractal.serve;

import io.densefractal.inference.ImageClassifier;

/**
 * A model the server answers for: its classifier, batching queue and, for an anytime network, its
 * column latencies (null otherwise).
 */
record ServedModel(
    String name,
    ImageClassifier classifier,
    ModelConfig config,
    BatchingQueue queue,
    ColumnLatencies latencies) {

  int columns() {
    return classifier.columns();
  }

  /** Values in one input image: C × H × W. */
  int imageValues() {
    var t = classifier.transforms();
    return t.channels() * t.size() * t.size();
  }
}
