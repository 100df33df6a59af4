package io.densefractal.weights.block;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.DType;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightFiles;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** State dict ↔ block: round trips, strict reports, non-strict fine-tuning, dtype conversion. */
class ModelWeightsTest {
  static final Shape INPUT = new Shape(1, 3, 32, 32);

  @TempDir Path dir;

  static Block model(int classes) {
    return ModelZoo.get("resnet20_cifar").create(new ModelOptions(classes, 3));
  }

  static StateDict trained(NDManager m, int seed) {
    Engine.getInstance().setRandomSeed(seed);
    Block b = model(10);
    b.initialize(m, DataType.FLOAT32, INPUT);
    return ModelWeights.stateDict(b);
  }

  @Test
  void stateDictRoundTripsThroughBothFileFormatsAndBothLoadPaths() {
    try (NDManager m = NDManager.newBaseManager()) {
      StateDict original = trained(m, 1);
      assertThat(original.keys()).contains("conv1.weight", "bn1.num_batches_tracked", "fc.bias");
      for (String file : new String[] {"w.pth", "w.safetensors"}) {
        WeightFiles.write(original, dir.resolve(file));
        StateDict read = WeightFiles.read(dir.resolve(file));
        Block fresh = model(10);
        assertThat(ModelWeights.initialize(fresh, m, INPUT, read, true).isClean()).isTrue();
        assertSame(original, ModelWeights.stateDict(fresh));
        Block initialised = model(10);
        initialised.initialize(m, DataType.FLOAT32, INPUT);
        ModelWeights.load(initialised, read, true);
        assertSame(original, ModelWeights.stateDict(initialised));
      }
    }
  }

  @Test
  void strictLoadListsEveryProblemAndChangesNothing() {
    try (NDManager m = NDManager.newBaseManager()) {
      StateDict weights = trained(m, 2);
      StateDict broken = new StateDict();
      weights
          .tensors()
          .forEach(
              (k, v) -> {
                if (!k.equals("layer1.0.conv1.weight")) {
                  broken.put(k, v);
                }
              });
      broken.put("extra.weight", Tensor.ofFloats(new long[] {1}, new float[] {1}));
      Block b = model(100); // classifier shape differs too
      b.initialize(m, DataType.FLOAT32, INPUT);
      StateDict before = ModelWeights.stateDict(b);
      assertThatThrownBy(() -> ModelWeights.load(b, broken, true))
          .isInstanceOf(StateDictMismatchException.class)
          .hasMessageContaining("1 missing [layer1.0.conv1.weight]")
          .hasMessageContaining("1 unexpected [extra.weight]")
          .hasMessageContaining("fc.weight: file [10, 64] vs model (100, 64)")
          .hasMessageContaining("fc.bias");
      assertSame(before, ModelWeights.stateDict(b));
    }
  }

  @Test
  void nonStrictLoadKeepsANewHeadForFineTuning() {
    try (NDManager m = NDManager.newBaseManager()) {
      StateDict weights = trained(m, 3);
      Block b = model(5);
      LoadReport r = ModelWeights.initialize(b, m, INPUT, weights, false);
      assertThat(r.mismatched()).hasSize(2).allMatch(s -> s.startsWith("fc."));
      assertThat(r.missing()).isEmpty();
      StateDict after = ModelWeights.stateDict(b);
      assertThat(after.get("conv1.weight").toFloatArray())
          .containsExactly(weights.get("conv1.weight").toFloatArray());
      assertThat(after.get("fc.weight").shape()).containsExactly(5, 64);
      // The new head keeps its own init (nn.Linear's uniform ±1/8), not zeros.
      float[] head = after.get("fc.weight").toFloatArray();
      assertThat(head).hasSize(320).isNotEqualTo(new float[320]);
      for (float v : head) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo(0.125f);
      }
    }
  }

  @Test
  void halfPrecisionWeightsAreWidenedToFloat32() {
    try (NDManager m = NDManager.newBaseManager()) {
      StateDict weights = trained(m, 4);
      StateDict half = new StateDict();
      weights.tensors().forEach((k, v) -> half.put(k, v.dtype() == DType.FLOAT32 ? toHalf(v) : v));
      Block b = model(10);
      ModelWeights.initialize(b, m, INPUT, half, true);
      float[] expected = weights.get("layer3.2.conv2.weight").toFloatArray();
      float[] actual = ModelWeights.stateDict(b).get("layer3.2.conv2.weight").toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertThat(actual[i])
            .isCloseTo(
                expected[i],
                org.assertj.core.data.Offset.offset(1e-3f + Math.abs(expected[i]) * 1e-3f));
      }
    }
  }

  private static Tensor toHalf(Tensor t) {
    float[] v = t.toFloatArray();
    ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putShort(floatToHalf(f));
    }
    return new Tensor(DType.FLOAT16, t.shape(), b.array());
  }

  /** Round-to-nearest float → binary16 for normal-range values (all test weights are). */
  private static short floatToHalf(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xff) - 127 + 15;
    int mant = bits & 0x7fffff;
    if (exp <= 0) {
      return (short) sign; // flush tiny values to zero
    }
    int rounded = (exp << 10 | mant >>> 13) + ((mant >>> 12) & 1);
    return (short) (sign | rounded);
  }

  private static void assertSame(StateDict expected, StateDict actual) {
    assertThat(actual.keys()).containsExactlyElementsOf(expected.keys());
    for (String k : expected.keys()) {
      assertThat(actual.get(k).dtype()).isEqualTo(expected.get(k).dtype());
      assertThat(actual.get(k).shape()).as(k).containsExactly(expected.get(k).shape());
      assertThat(actual.get(k).buffer()).as(k).isEqualTo(expected.get(k).buffer());
    }
  }
}
