package io.densefractal.bench;

/** Timings of one benchmark case; milliseconds per step. */
public record BenchResult(
    BenchConfig config,
    int threads,
    double medianMs,
    double minMs,
    double maxMs,
    double imagesPerSecond,
    long peakRssMb) {}
