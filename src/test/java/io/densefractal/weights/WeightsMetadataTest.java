package io.densefractal.weights;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What weights were trained on survives the metadata round trip; damage is reported. */
class WeightsMetadataTest {
  @Test
  void trainingTagsReadBack() {
    StateDict sd = new StateDict();
    List<String> classes = List.of("T-shirt/top", "a \"quoted\", comma", "Ankle boot");
    WeightsMetadata.tagTraining(sd, "fashion-mnist", classes, 32);
    assertThat(WeightsMetadata.training(sd.metadata()))
        .contains(new WeightsMetadata.Training("fashion-mnist", classes, 32));
    assertThat(WeightsMetadata.training(Map.of(WeightsMetadata.MODEL, "resnet50"))).isEmpty();
  }

  @Test
  void damagedTagsAreReported() {
    Map<String, String> m = new HashMap<>();
    m.put(WeightsMetadata.DATASET, "demo");
    m.put(WeightsMetadata.IMAGE_SIZE, "28");
    for (String bad : List.of("[", "[]", "{\"a\": 1}", "[null]")) {
      m.put(WeightsMetadata.CLASSES, bad);
      assertThatThrownBy(() -> WeightsMetadata.training(m))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    m.put(WeightsMetadata.CLASSES, "[\"a\"]");
    m.put(WeightsMetadata.IMAGE_SIZE, "big");
    assertThatThrownBy(() -> WeightsMetadata.training(m))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
