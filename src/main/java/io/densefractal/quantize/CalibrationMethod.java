package io.densefractal.quantize;

/** How an activation's quantization range is read from the calibration images' values. */
public enum CalibrationMethod {
  /** The smallest and largest value seen: nothing clipped, coarser steps where outliers are. */
  minmax,
  /**
   * The 0.01th and 99.99th percentiles of the values seen (a 2048-bin histogram over the min-max
   * range): the rare extremes clip, every other value gets finer steps.
   */
  percentile
}
