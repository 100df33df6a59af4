package io.densefractal.serve;

import io.densefractal.inference.ImageClassifier;

/**
 * How long a forward takes for each way an anytime network can answer — the whole network or one
 * column alone — as a function of the batch size: a line through two start-up measurements (batch
 * 1 and a larger batch), scaled by an exponentially weighted mean of observed/predicted ratios so
 * the estimates follow the machine's load as batches run.
 *
 * <p>Options are indexed 0 = the whole network, i = column i (1-based, 1 the shallowest).
 */
final class ColumnLatencies {
  /** Weight of the newest observation in the running ratio. */
  private static final double ALPHA = 0.2;

  /** Largest batch timed at start-up (larger batches extrapolate the line). */
  private static final int MEASURED_BATCH = 4;

  private final double[] intercept;
  private final double[] slope;
  private final double[] ratio;

  private ColumnLatencies(double[] intercept, double[] slope) {
    this.intercept = intercept;
    this.slope = slope;
    this.ratio = new double[intercept.length];
    java.util.Arrays.fill(ratio, 1.0);
  }

  /** Times each option at batch 1 and at a larger batch: three forwards per option. */
  static ColumnLatencies measure(ImageClassifier classifier, int maxBatch) {
    int options = classifier.columns() + 1;
    int per =
        classifier.transforms().channels()
            * classifier.transforms().size()
            * classifier.transforms().size();
    int big = Math.max(2, Math.min(maxBatch, MEASURED_BATCH));
    float[] one = new float[per];
    float[] many = new float[per * big];
    double[] intercept = new double[options];
    double[] slope = new double[options];
    for (int o = 0; o < options; o++) {
      Integer column = o == 0 ? null : o;
      classifier.logits(one, 1, column);
      double t1 = timed(classifier, one, 1, column);
      double tb = timed(classifier, many, big, column);
      slope[o] = Math.max(0, (tb - t1) / (big - 1));
      intercept[o] = Math.max(0, t1 - slope[o]);
    }
    return new ColumnLatencies(intercept, slope);
  }

  /** Fixed latencies (tests of the choice rule). */
  static ColumnLatencies of(double[] intercept, double[] slope) {
    return new ColumnLatencies(intercept.clone(), slope.clone());
  }

  /** One timed forward (a first forward at batch 1 has set up the kernels). */
  private static double timed(ImageClassifier classifier, float[] x, int n, Integer column) {
    long t0 = System.nanoTime();
    classifier.logits(x, n, column);
    return (System.nanoTime() - t0) / 1e6;
  }

  int options() {
    return intercept.length;
  }

  /** Expected forward time in ms of {@code option} at {@code batch} images. */
  synchronized double expectedMs(int option, int batch) {
    return (intercept[option] + slope[option] * batch) * ratio[option];
  }

  /** Records a forward that ran: the estimates of that option follow it. */
  synchronized void observe(int option, int batch, double ms) {
    double modelled = intercept[option] + slope[option] * batch;
    if (modelled > 0) {
      ratio[option] = (1 - ALPHA) * ratio[option] + ALPHA * (ms / modelled);
    }
  }

  /**
   * The deepest option (whole network first, then columns from deepest to shallowest) whose
   * expected time plus {@code waitMs} fits {@code budgetMs}; when none does, column 1 (the
   * shallowest), with {@code met} false.
   */
  synchronized Choice choose(double budgetMs, int batch, double waitMs) {
    // Deepest first: the whole network, then column C down to column 1.
    for (int i = 0; i < options(); i++) {
      int o = i == 0 ? 0 : options() - i;
      double expected = waitMs + expectedMs(o, batch);
      if (expected <= budgetMs) {
        return new Choice(o, expected, true);
      }
    }
    // None fits: the shallowest column (the cheapest by construction; measurements of nearly
    // equal options can swap under load) answers, and the choice says the deadline is out of reach.
    int fastest = options() > 1 ? 1 : 0;
    return new Choice(fastest, waitMs + expectedMs(fastest, batch), false);
  }

  /**
   * @param option 0 = whole network, else the column
   * @param expectedMs the expected time to the answer
   * @param met whether that fits the deadline
   */
  record Choice(int option, double expectedMs, boolean met) {
    Integer column() {
      return option == 0 ? null : option;
    }
  }
}
