package io.densefractal.weights.pth;

/**
 * Gathers a strided view (transposed, sliced, expanded) out of a storage into a fresh C-contiguous
 * array. Callers have already proved every addressed element lies inside {@code src} (see {@link
 * TensorRef}), so the int casts below cannot overflow.
 */
final class StridedCopy {
  private StridedCopy() {}

  /**
   * @param src the storage bytes
   * @param elementSize bytes per element
   * @param offset element offset of the view's first element in {@code src}
   * @param size the view's shape
   * @param stride the view's strides in elements
   * @param numel product of {@code size}
   */
  static byte[] gather(
      byte[] src, int elementSize, long offset, long[] size, long[] stride, long numel) {
    byte[] out = new byte[Math.toIntExact(Math.multiplyExact(numel, elementSize))];
    if (numel == 0) {
      return out;
    }
    int dims = size.length;
    if (dims == 0) {
      System.arraycopy(src, (int) (offset * elementSize), out, 0, elementSize);
      return out;
    }
    int last = dims - 1;
    long rowLength = size[last];
    long rowStride = stride[last];
    long[] index = new long[dims];
    long rowStart = offset;
    int pos = 0;
    while (true) {
      if (rowStride == 1) {
        int bytes = (int) (rowLength * elementSize);
        System.arraycopy(src, (int) (rowStart * elementSize), out, pos, bytes);
        pos += bytes;
      } else {
        for (long j = 0; j < rowLength; j++) {
          System.arraycopy(
              src, (int) ((rowStart + j * rowStride) * elementSize), out, pos, elementSize);
          pos += elementSize;
        }
      }
      // Odometer step over the outer dimensions.
      int d = last - 1;
      while (d >= 0) {
        index[d]++;
        rowStart += stride[d];
        if (index[d] < size[d]) {
          break;
        }
        rowStart -= index[d] * stride[d];
        index[d] = 0;
        d--;
      }
      if (d < 0) {
        return out;
      }
    }
  }
}
