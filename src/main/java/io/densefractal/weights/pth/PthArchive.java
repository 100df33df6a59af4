package io.densefractal.weights.pth;

import java.io.Closeable;

/**
 * An open torch.save file: the unpickled object tree (with {@link TensorRef} placeholders) and the
 * storages its tensors point into. Kept open while tensors are materialized, so storages load
 * lazily.
 */
interface PthArchive extends Closeable, StorageSource {
  /** The unpickled top-level object. */
  Object root();

  /** The size of the file on disk, the base for allocation limits. */
  long fileSize();

  @Override
  void close();
}
