package io.densefractal.serve;

/**
 * When a request queued now would be answered, for each way an anytime network could answer it:
 * what the round in progress has still to run, then every image queued ahead of it (the queue
 * runs in arrival order, so all of them run before it or beside it), then its own forward in the
 * batch it will join. Forwards of different options in one round run one after another, so each
 * option's images cost one forward of their count (several where the count exceeds the largest
 * batch). Times are the latencies' cautious estimates.
 */
final class AnswerForecast {
  private AnswerForecast() {}

  /**
   * @param latencies forward times per option and batch size
   * @param maxBatch the largest batch the queue forms
   * @param maxDelayMs how long a batch's first image waits for others when the queue is idle
   * @param busyMs what the round in progress has still to run (0: none runs)
   * @param queued images waiting per option ({@link ColumnLatencies} indices; one more slot at the
   *     end for embedding requests, which cost the whole network's forward)
   * @param option the option asked about
   * @param images the request's images
   * @return the expected time from now to the request's answer, in ms
   */
  static double answerMs(
      ColumnLatencies latencies,
      int maxBatch,
      double maxDelayMs,
      double busyMs,
      int[] queued,
      int option,
      int images) {
    double t = busyMs > 0 ? busyMs : maxDelayMs;
    for (int o = 0; o < queued.length; o++) {
      int count = queued[o] + (o == option ? images : 0);
      if (count <= 0) {
        continue;
      }
      int costed = o < latencies.options() ? o : 0;
      int full = count / maxBatch;
      int rest = count % maxBatch;
      t += full * latencies.cautiousMs(costed, maxBatch);
      if (rest > 0) {
        t += latencies.cautiousMs(costed, rest);
      }
    }
    return t;
  }
}
