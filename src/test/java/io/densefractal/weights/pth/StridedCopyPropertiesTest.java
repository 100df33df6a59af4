package io.densefractal.weights.pth;

import static org.assertj.core.api.Assertions.assertThat;

import io.densefractal.weights.Tensor;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The strided gather must agree with the textbook definition element by element. */
class StridedCopyPropertiesTest {
  @Property(tries = 300)
  void gatherMatchesNaiveIndexing(
      @ForAll @Size(max = 4) List<@IntRange(max = 4) Integer> sizes,
      @ForAll @Size(value = 4) List<@IntRange(max = 5) Integer> strideSeeds,
      @ForAll @IntRange(max = 3) int offset,
      @ForAll @IntRange(min = 1, max = 8) int elementSize) {
    int dims = sizes.size();
    long[] size = new long[dims];
    long[] stride = new long[dims];
    long last = offset;
    for (int i = 0; i < dims; i++) {
      size[i] = sizes.get(i);
      stride[i] = strideSeeds.get(i);
      last += Math.max(0, size[i] - 1) * stride[i];
    }
    long numel = Tensor.numel(size);
    byte[] src = new byte[(int) ((last + 1) * elementSize)];
    for (int i = 0; i < src.length; i++) {
      src[i] = (byte) (i * 7 + 3);
    }

    byte[] out = StridedCopy.gather(src, elementSize, offset, size, stride, numel);

    assertThat(out).hasSize((int) (numel * elementSize));
    long[] index = new long[dims];
    for (int k = 0; k < numel; k++) {
      long element = offset;
      for (int d = 0; d < dims; d++) {
        element += index[d] * stride[d];
      }
      for (int b = 0; b < elementSize; b++) {
        assertThat(out[k * elementSize + b]).isEqualTo(src[(int) (element * elementSize + b)]);
      }
      for (int d = dims - 1; d >= 0 && ++index[d] == size[d]; d--) {
        index[d] = 0;
      }
    }
  }
}
