package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class SubsetsTest {
  private static int[] originalIndices(ImageDataset subset) {
    int[] idx = new int[subset.size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = subset.image(i).pixels()[0] & 0xFF; // InMemory: the pixel is the index
    }
    return idx;
  }

  @Test
  void stratifiedTakesEqualSharesInOriginalOrder() {
    ImageDataset d = InMemory.balanced(50, 50, 50);
    ImageDataset s = Subsets.stratified(d, 30, 1);
    assertThat(s.size()).isEqualTo(30);
    assertThat(s.classCounts()).containsExactly(10, 10, 10);
    assertThat(originalIndices(s)).isSorted().doesNotHaveDuplicates();
    for (int i = 0; i < s.size(); i++) {
      assertThat(s.label(i)).isEqualTo(d.label(originalIndices(s)[i]));
    }
    assertThat(s.classes()).isEqualTo(d.classes());
  }

  @Test
  void smallClassesGiveAllTheyHaveAndTheRestIsShared() {
    ImageDataset d = InMemory.balanced(2, 40, 40);
    assertThat(Subsets.stratified(d, 31, 0).classCounts()).containsExactly(2, 15, 14);
  }

  @Test
  void seededAndWholeDatasetWhenLarge() {
    ImageDataset d = InMemory.balanced(30, 30);
    assertThat(originalIndices(Subsets.stratified(d, 10, 5)))
        .isEqualTo(originalIndices(Subsets.stratified(d, 10, 5)));
    assertThat(originalIndices(Subsets.stratified(d, 10, 5)))
        .isNotEqualTo(originalIndices(Subsets.stratified(d, 10, 6)));
    assertThat(Subsets.stratified(d, 60, 0)).isSameAs(d);
    assertThat(Subsets.stratified(d, 1000, 0)).isSameAs(d);
    assertThatThrownBy(() -> Subsets.stratified(d, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 200)
  void stratifiedIsBalancedAndWithinTheDataset(
      @ForAll @Size(min = 1, max = 6) java.util.List<@IntRange(min = 0, max = 20) Integer> sizes,
      @ForAll @IntRange(min = 1, max = 120) int n,
      @ForAll long seed) {
    int[] perClass = sizes.stream().mapToInt(Integer::intValue).toArray();
    ImageDataset d = InMemory.balanced(perClass);
    if (d.size() == 0) {
      return;
    }
    ImageDataset s = Subsets.stratified(d, n, seed);
    assertThat(s.size()).isEqualTo(Math.min(n, d.size()));
    assertThat(originalIndices(s)).isSorted().doesNotHaveDuplicates();
    int[] counts = s.classCounts();
    // As equal as possible: a class below the largest share gave all its images.
    int max = 0;
    for (int c : counts) {
      max = Math.max(max, c);
    }
    for (int c = 0; c < counts.length; c++) {
      assertThat(counts[c] >= max - 1 || counts[c] == perClass[c])
          .as("class %d: %d of %d, largest share %d", c, counts[c], perClass[c], max)
          .isTrue();
    }
  }

  @Test
  void splitHoldsOutAFractionOfEachClass() {
    ImageDataset d = InMemory.balanced(10, 20, 1);
    ImageDataset[] split = Subsets.split(d, 0.3, 3);
    assertThat(split[0].classCounts()).containsExactly(7, 14, 1);
    assertThat(split[1].classCounts()).containsExactly(3, 6, 0);
    assertThat(originalIndices(split[0])).isSorted();
    assertThat(originalIndices(split[1])).isSorted();
    assertThat(originalIndices(split[0])).doesNotContain(originalIndices(split[1]));
    assertThatThrownBy(() -> Subsets.split(d, 0, 3)).isInstanceOf(DenseFractalException.class);
    assertThatThrownBy(() -> Subsets.split(InMemory.balanced(3), 0.1, 3))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("holds out no image");
  }

  @Test
  void ofChecksIndices() {
    ImageDataset d = InMemory.balanced(3);
    assertThat(Subsets.of(d, new int[] {2, 0}).image(0).pixels()[0]).isEqualTo((byte) 2);
    assertThatThrownBy(() -> Subsets.of(d, new int[] {3}))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
