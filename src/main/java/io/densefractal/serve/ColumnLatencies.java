package io.densefractal.serve;

import io.densefractal.inference.ImageClassifier;
import java.util.Arrays;
import java.util.function.IntToDoubleFunction;

/**
 * How long a forward takes for each way an anytime network can answer — the whole network or one
 * column alone — as a function of the batch size. Start-up times each option at batch 1 and at a
 * larger batch (a line through the two); every forward that runs then corrects the line, per
 * option and per batch size, by an exponentially weighted ratio of observed to modelled time, so
 * the estimates follow the machine's load. The spread of those ratios is kept too: a deadline is
 * judged against a cautious estimate (mean plus twice the spread), not the mean, since a forward
 * that takes its mean time misses a deadline set at that time half of the time.
 *
 * <p>Options are indexed 0 = the whole network, i = column i (1-based, 1 the shallowest).
 */
final class ColumnLatencies {
  /** Weight of the newest observation in the running ratios. */
  private static final double ALPHA = 0.2;

  /** Largest batch timed at start-up (larger batches extrapolate the line). */
  private static final int MEASURED_BATCH = 4;

  /** Forwards timed per option and batch size at start-up (their median counts). */
  private static final int STARTUP_REPEATS = 3;

  /** Batch sizes whose ratio is kept on its own (larger ones share the option's ratio). */
  private static final int TRACKED_BATCHES = 64;

  private final double[] intercept;
  private final double[] slope;
  /** Observed/modelled, per option: for batch sizes not yet seen. */
  private final double[] ratio;
  /** Mean absolute deviation of the observed/modelled ratio, per option. */
  private final double[] spread;
  /** Observed/modelled per option and batch size (0: not seen yet). */
  private final double[][] ratioAt;

  private ColumnLatencies(double[] intercept, double[] slope) {
    this.intercept = intercept;
    this.slope = slope;
    this.ratio = new double[intercept.length];
    this.spread = new double[intercept.length];
    this.ratioAt = new double[intercept.length][TRACKED_BATCHES + 1];
    Arrays.fill(ratio, 1.0);
  }

  /** Times each option at batch 1 and at a larger batch (the median of a few forwards each). */
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
      // The first forward of each shape sets up its kernels: not what requests will see.
      classifier.logits(one, 1, column);
      classifier.logits(many, big, column);
      double t1 = median(classifier, one, 1, column);
      double tb = median(classifier, many, big, column);
      slope[o] = Math.max(0, (tb - t1) / (big - 1));
      intercept[o] = Math.max(0, t1 - slope[o]);
    }
    return new ColumnLatencies(intercept, slope);
  }

  /** Fixed latencies (tests of the choice rule). */
  static ColumnLatencies of(double[] intercept, double[] slope) {
    return new ColumnLatencies(intercept.clone(), slope.clone());
  }

  private static double median(ImageClassifier classifier, float[] x, int n, Integer column) {
    double[] ms = new double[STARTUP_REPEATS];
    for (int i = 0; i < ms.length; i++) {
      long t0 = System.nanoTime();
      classifier.logits(x, n, column);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    Arrays.sort(ms);
    return ms[ms.length / 2];
  }

  int options() {
    return intercept.length;
  }

  private double modelled(int option, int batch) {
    return intercept[option] + slope[option] * batch;
  }

  private double ratio(int option, int batch) {
    double r = batch <= TRACKED_BATCHES ? ratioAt[option][batch] : 0;
    return r > 0 ? r : ratio[option];
  }

  /** Expected (mean) forward time in ms of {@code option} at {@code batch} images. */
  synchronized double expectedMs(int option, int batch) {
    return modelled(option, batch) * ratio(option, batch);
  }

  /** A forward time in ms that {@code option} at {@code batch} images rarely exceeds. */
  synchronized double cautiousMs(int option, int batch) {
    return modelled(option, batch) * (ratio(option, batch) + 2 * spread[option]);
  }

  /** Records a forward that ran: the estimates of that option (and that batch size) follow it. */
  synchronized void observe(int option, int batch, double ms) {
    double m = modelled(option, batch);
    if (m <= 0) {
      return;
    }
    double r = ms / m;
    spread[option] = (1 - ALPHA) * spread[option] + ALPHA * Math.abs(r - ratio(option, batch));
    ratio[option] = (1 - ALPHA) * ratio[option] + ALPHA * r;
    if (batch <= TRACKED_BATCHES) {
      double before = ratioAt[option][batch];
      ratioAt[option][batch] = before > 0 ? (1 - ALPHA) * before + ALPHA * r : r;
    }
  }

  /**
   * The deepest option (whole network first, then columns from deepest to shallowest) whose
   * expected time to the answer, {@code answerMs.applyAsDouble(option)}, fits {@code budgetMs};
   * when none does, column 1 (the shallowest), with {@code met} false.
   */
  Choice choose(double budgetMs, IntToDoubleFunction answerMs) {
    for (int i = 0; i < options(); i++) {
      int o = i == 0 ? 0 : options() - i;
      double expected = answerMs.applyAsDouble(o);
      if (expected <= budgetMs) {
        return new Choice(o, expected, true);
      }
    }
    // None fits: the shallowest column (the cheapest by construction; measurements of nearly
    // equal options can swap under load) answers, and the choice says the deadline is out of reach.
    int fastest = options() > 1 ? 1 : 0;
    return new Choice(fastest, answerMs.applyAsDouble(fastest), false);
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
