package io.densefractal.spark;

import java.io.Serializable;

/**
 * The driver's weights and BatchNorm buffers at the start of a step, broadcast to every worker.
 *
 * @param version the step the weights are for (workers skip reloading what they hold already)
 * @param values every parameter and buffer, flat, in {@link FlatParameters} order
 * @param checksum of {@code values}: each worker reports the checksum of what its replica holds,
 *     and the driver refuses a step computed with anything else
 */
record WeightsPayload(long version, float[] values, long checksum) implements Serializable {}
