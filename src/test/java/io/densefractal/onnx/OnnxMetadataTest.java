package io.densefractal.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.DenseFractalException;
import io.densefractal.data.TransformSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnnxMetadataTest {
  private static final TransformSpec IMAGENET =
      new TransformSpec(
          3,
          224,
          new float[] {0.485f, 0.456f, 0.406f},
          new float[] {0.229f, 0.224f, 0.225f},
          0,
          false,
          256);

  @Test
  void roundTrips() {
    OnnxMetadata m =
        new OnnxMetadata(
            "fractalnet20",
            OnnxMetadata.Output.LOGITS,
            2,
            List.of("T-shirt/top", "a \"quoted\" name"),
            "fashion-mnist",
            IMAGENET);
    Map<String, String> p = m.toProperties();
    assertThat(OnnxMetadata.isOurs(p)).isTrue();
    OnnxMetadata back = OnnxMetadata.fromProperties(p);
    assertThat(back.model()).isEqualTo("fractalnet20");
    assertThat(back.column()).isEqualTo(2);
    assertThat(back.classes()).isEqualTo(m.classes());
    assertThat(back.transforms()).isEqualTo(IMAGENET);
    assertThat(back.output()).isEqualTo(OnnxMetadata.Output.LOGITS);
  }

  @Test
  void namesTheMissingOrDamagedKey() {
    Map<String, String> p =
        new java.util.HashMap<>(
            new OnnxMetadata(
                    "resnet50", OnnxMetadata.Output.EMBEDDING, 0, List.of(), "imagenet", IMAGENET)
                .toProperties());
    p.remove("densefractal.mean");
    assertThatThrownBy(() -> OnnxMetadata.fromProperties(p))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("densefractal.mean");
    p.put("densefractal.mean", "[0.5]");
    assertThatThrownBy(() -> OnnxMetadata.fromProperties(p))
        .isInstanceOf(DenseFractalException.class)
        .hasMessageContaining("one value per channel");
    assertThat(OnnxMetadata.isOurs(Map.of("producer", "pytorch"))).isFalse();
  }
}
