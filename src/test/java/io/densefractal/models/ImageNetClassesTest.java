package io.densefractal.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageNetClassesTest {
  @Test
  void thousandNamesInTorchvisionOrder() {
    List<String> names = ImageNetClasses.names();
    assertThat(names).hasSize(1000);
    assertThat(names.get(0)).isEqualTo("tench");
    assertThat(names.get(1)).isEqualTo("goldfish");
    assertThat(names.get(2)).isEqualTo("great white shark");
    assertThat(names.get(207)).isEqualTo("golden retriever");
    assertThat(names.get(999)).isEqualTo("toilet tissue");
  }

  @Test
  void namesAreDistinctTrimmedAndUnmodifiable() {
    List<String> names = ImageNetClasses.names();
    assertThat(new HashSet<>(names)).hasSize(1000);
    assertThat(names).allSatisfy(n -> assertThat(n).isNotBlank().isEqualTo(n.strip()));
    assertThatThrownBy(() -> names.set(0, "x")).isInstanceOf(UnsupportedOperationException.class);
  }
}
