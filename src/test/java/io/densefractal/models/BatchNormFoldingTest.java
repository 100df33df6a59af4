package io.densefractal.models;

import static io.densefractal.testing.Close.relativeMaxDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.block.ModelWeights;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Folding conv + BatchNorm for inference keeps the eval logits (to float rounding). */
class BatchNormFoldingTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"resnet18", "resnext50_32x4d", "resnet20_cifar", "fractalnet20"})
  void foldedLogitsEqualUnfolded(String name) {
    ModelSpec spec = ModelZoo.get(name);
    int size = spec.inputSize() == 224 ? 64 : 32;
    Engine.getInstance().setRandomSeed(3);
    Block net = spec.create();
    try (NDManager m = NDManager.newBaseManager()) {
      net.initialize(m, DataType.FLOAT32, new Shape(1, 3, size, size));
      // BatchNorm far from the identity, as after training.
      ModelWeights.load(net, randomisedBatchNorm(ModelWeights.stateDict(net)), true);
      NDArray x = m.randomNormal(new Shape(2, 3, size, size));
      ParameterStore ps = new ParameterStore(m, false);
      float[] plain = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      ((BatchNormFolding) net).foldBatchNorm();
      float[] folded = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      assertThat(relativeMaxDiff(folded, plain)).isLessThan(1e-5).isGreaterThan(0);
      // A training-mode forward unfolds (parameters are about to change); eval then matches again.
      net.forward(ps, new NDList(x), true);
      float[] after = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      // Reference: a never-folded copy holding the updated running statistics.
      Block copy = spec.create();
      copy.initialize(m, DataType.FLOAT32, new Shape(1, 3, size, size));
      ModelWeights.load(copy, ModelWeights.stateDict(net), true);
      float[] reference = copy.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
      assertThat(relativeMaxDiff(after, reference)).isLessThan(1e-6);
    }
  }

  private static StateDict randomisedBatchNorm(StateDict sd) {
    Random r = new Random(5);
    StateDict out = new StateDict();
    sd.tensors()
        .forEach(
            (k, t) -> {
              boolean bn = k.contains("bn") || k.contains("downsample.1");
              if (!bn || t.dtype() != io.densefractal.weights.DType.FLOAT32) {
                out.put(k, t);
                return;
              }
              float[] v = new float[(int) t.numel()];
              for (int i = 0; i < v.length; i++) {
                v[i] =
                    k.endsWith("running_var") || k.endsWith("weight")
                        ? 0.5f + r.nextFloat()
                        : (float) (0.2 * r.nextGaussian());
              }
              out.put(k, Tensor.ofFloats(t.shape(), v));
            });
    return out;
  }
}
