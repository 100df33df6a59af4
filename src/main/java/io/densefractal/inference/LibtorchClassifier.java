package io.densefractal.inference;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.densefractal.DenseFractalException;
import io.densefractal.data.TransformSpec;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.FeatureNetwork;
import io.densefractal.models.Features;
import io.densefractal.train.TrainedRun;
import java.util.List;

/** An {@link ImageClassifier} run by libtorch through DJL: the model block of a trained run. */
public final class LibtorchClassifier implements ImageClassifier {
  private final TrainedRun run;

  public LibtorchClassifier(TrainedRun run) {
    this.run = run;
  }

  /** The run behind this classifier (its block, spec and training configuration). */
  public TrainedRun run() {
    return run;
  }

  @Override
  public String name() {
    return run.spec().name();
  }

  @Override
  public String engine() {
    return "libtorch";
  }

  @Override
  public List<String> classes() {
    return run.classes();
  }

  @Override
  public TransformSpec transforms() {
    return run.transforms();
  }

  @Override
  public int columns() {
    return run.block() instanceof AnytimeNetwork net ? net.columns() : 0;
  }

  @Override
  public float[] logits(float[] images, int n, Integer column) {
    return run(AnytimeNetwork.columnOrWhole(run.block(), column, name()), images, n);
  }

  @Override
  public int embeddingSize() {
    return network().featureChannels();
  }

  @Override
  public float[] embeddings(float[] images, int n) {
    network(); // a clear message before any work
    return run(Features.of(run.block(), Features.Kind.POOLED), images, n);
  }

  private FeatureNetwork network() {
    if (!(run.block() instanceof FeatureNetwork network)) {
      throw new DenseFractalException(name() + " has no feature output to embed with");
    }
    return network;
  }

  /** Eval-mode forward of (n, C, H, W) images through {@code runner}, flattened. */
  private float[] run(Block runner, float[] images, int n) {
    TransformSpec t = transforms();
    long per = (long) t.channels() * t.size() * t.size();
    if (n < 1 || images.length != n * per) {
      throw new DenseFractalException(
          images.length
              + " input values are not "
              + n
              + " images of "
              + t.channels()
              + "x"
              + t.size()
              + "x"
              + t.size());
    }
    FiniteInputs.check(images, n + " input image(s)");
    try (NDManager scope = run.manager().newSubManager()) {
      NDArray x = scope.create(images, new Shape(n, t.channels(), t.size(), t.size()));
      return runner
          .forward(new ParameterStore(scope, false), new NDList(x), false)
          .singletonOrThrow()
          .toFloatArray();
    } catch (EngineException e) {
      String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      throw new DenseFractalException(name() + " cannot run this input: " + reason, e);
    }
  }

  @Override
  public void close() {
    run.close();
  }
}
