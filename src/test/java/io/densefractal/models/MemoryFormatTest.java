package io.densefractal.models;

import static io.densefractal.testing.Close.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.densefractal.weights.block.TorchKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The activation layout changes speed only: values and logits stay the same. */
class MemoryFormatTest {
  static final Shape INPUT = new Shape(4, 3, 32, 32);

  @Test
  void channelsLastKeepsShapeAndValuesAndIsIdempotent() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(2, 5, 3, 4));
      NDArray y = MemoryFormat.channelsLast(x);
      assertThat(y.getShape()).isEqualTo(x.getShape());
      assertThat(y.toFloatArray()).containsExactly(x.toFloatArray());
      assertThat(MemoryFormat.channelsLast(y).toFloatArray()).containsExactly(x.toFloatArray());
      // Channel slices and per-channel reductions see the same numbers as on the NCHW array.
      assertThat(y.get(":, 2:4").toFloatArray()).containsExactly(x.get(":, 2:4").toFloatArray());
      assertClose(
          "per-channel sums",
          y.sum(new int[] {0, 2, 3}).toFloatArray(),
          x.sum(new int[] {0, 2, 3}).toFloatArray(),
          1e-6);
    }
  }

  @Test
  void onlyBatchedInferenceChangesLayoutUnderAuto() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray one = m.randomNormal(new Shape(1, 3, 8, 8));
      NDArray batch = m.randomNormal(INPUT);
      NDArray flat = m.randomNormal(new Shape(4, 10));
      assertThat(MemoryFormat.AUTO.apply(one, false)).isSameAs(one);
      assertThat(MemoryFormat.AUTO.apply(flat, false)).isSameAs(flat);
      NDArray converted = MemoryFormat.AUTO.apply(batch, false);
      assertThat(converted).isNotSameAs(batch);
      assertThat(converted.toFloatArray()).containsExactly(batch.toFloatArray());
      assertThat(MemoryFormat.CHANNELS_LAST.apply(one, false)).isNotSameAs(one);
      assertThat(MemoryFormat.CONTIGUOUS.apply(batch, false)).isSameAs(batch);
      // Training runs NCHW unless channels-last is asked for explicitly.
      assertThat(MemoryFormat.AUTO.apply(batch, true)).isSameAs(batch);
      assertThat(MemoryFormat.CONTIGUOUS.apply(batch, true)).isSameAs(batch);
      NDArray trained = MemoryFormat.CHANNELS_LAST.apply(batch, true);
      assertThat(trained).isNotSameAs(batch);
      assertThat(trained.toFloatArray()).containsExactly(batch.toFloatArray());
    }
  }

  static float[] evalLogits(String model, MemoryFormat format) {
    ModelSpec spec = ModelZoo.get(model);
    Engine.getInstance().setRandomSeed(11);
    Block net = spec.create(spec.defaults().withMemoryFormat(format));
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, INPUT);
      Engine.getInstance().setRandomSeed(12);
      NDArray x = m.randomNormal(INPUT);
      ParameterStore ps = new ParameterStore(m, false);
      // Running statistics that are not the identity (set, not trained: a training pass would
      // itself run in the layout under test).
      for (Parameter p : TorchKeys.parameters(net).values()) {
        NDArray a = p.getArray();
        if (p.getType() == Parameter.Type.RUNNING_MEAN) {
          a.set(new NDIndex("..."), m.randomUniform(-0.5f, 0.5f, a.getShape()));
        } else if (p.getType() == Parameter.Type.RUNNING_VAR) {
          a.set(new NDIndex("..."), m.randomUniform(0.5f, 1.5f, a.getShape()));
        }
      }
      return net.forward(ps, new NDList(x.mul(0.5)), false).singletonOrThrow().toFloatArray();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet20_cifar", "densenet40_k12", "fractalnet20"})
  void inferenceLogitsEqualInBothLayouts(String model) {
    assertClose(
        model + " logits",
        evalLogits(model, MemoryFormat.CHANNELS_LAST),
        evalLogits(model, MemoryFormat.CONTIGUOUS),
        1e-5);
  }
}
