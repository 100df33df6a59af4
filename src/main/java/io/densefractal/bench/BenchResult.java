package io.densefractal.bench;

/**
 * Timings of one benchmark case; milliseconds per step.
 *
 * @param standard with {@link BenchConfig#versusStandard}: the interleaved standard steps, else
 *     null
 */
public record BenchResult(
    BenchConfig config,
    int threads,
    double medianMs,
    double minMs,
    double maxMs,
    double imagesPerSecond,
    long peakRssMb,
    Comparison standard) {
  /**
   * The standard steps run alternately with the memory-efficient ones.
   *
   * @param medianMs their median
   * @param medianRatio the median over step pairs of memory-efficient ms / standard ms
   */
  public record Comparison(double medianMs, double medianRatio) {}
}
