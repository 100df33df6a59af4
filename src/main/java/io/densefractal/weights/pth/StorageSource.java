package io.densefractal.weights.pth;

/**
 * Where a torch file keeps the raw bytes of its storages (zip records, or the legacy data tail).
 */
interface StorageSource {
  /**
   * Reads a root storage: exactly {@code root.rootNumel() * dtype size} bytes, little-endian.
   *
   * @throws WeightsFormatException if the file holds no such storage or a different amount of data
   */
  byte[] load(StorageRef root);
}
