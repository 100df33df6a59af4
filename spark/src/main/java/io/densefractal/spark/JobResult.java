package io.densefractal.spark;

/**
 * What a finished job wrote.
 *
 * @param rows output rows (one per input image)
 * @param errors rows whose image could not be predicted
 * @param seconds wall time from reading the input to the committed output
 */
public record JobResult(long rows, long errors, double seconds) {}
