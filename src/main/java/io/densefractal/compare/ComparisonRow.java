package io.densefractal.compare;

/**
 * One point of a comparison: a trained model, or one column of an anytime network.
 *
 * @param label what the point is called in tables and plots
 * @param model zoo name
 * @param column the anytime column (1-based) or null for the whole network
 * @param testAccuracy final test top-1 (fraction)
 * @param params trainable parameters (of the column alone, for a column)
 * @param macs multiply-accumulates per image
 * @param epochSeconds median wall time of a training epoch (NaN for columns: trained jointly)
 * @param trainPeakMb peak resident memory of a training step (process), NaN where not measured
 * @param trainPeakMemoryEfficientMb the same in memory-efficient mode (DenseNets), else NaN
 * @param latency1Ms median eval-mode latency at batch 1, ms
 * @param latency64Ms median eval-mode latency at batch 64, ms
 */
public record ComparisonRow(
    String label,
    String model,
    Integer column,
    double testAccuracy,
    long params,
    long macs,
    double epochSeconds,
    double trainPeakMb,
    double trainPeakMemoryEfficientMb,
    double latency1Ms,
    double latency64Ms) {}
