/**
 * Parquet tables of labelled images as training data: a {@link
 * io.densefractal.data.DatasetProvider} that {@code spark train --data TABLE} (driver and executors
 * alike) opens through the core's data layer, which knows nothing of Parquet.
 */
package io.densefractal.spark.parquet;
