package io.densefractal.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.densefractal.DenseFractalException;
import io.densefractal.data.ImageFiles;
import io.densefractal.data.TransformSpec;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ImageNetClasses;
import io.densefractal.train.TrainedRun;
import io.densefractal.weights.PretrainedWeights;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code predict}: top-k classes of image files, from a trained run or imported weights. */
@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description = {
      "Top-k classes (with names) of JPEG/PNG images.",
      "  predict --run runs/demo-... shirt.png boot.jpg",
      "  predict --model resnet50 --pretrained cat.jpg",
      "  predict --weights runs/r20/checkpoint-best.safetensors shirt.png",
      "  predict --model resnet20_cifar --weights w.safetensors --data cifar10 plane.png"
    })
final class PredictCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--run", description = "A run directory from train (its best weights).")
  Path run;

  @Option(
      names = {"-m", "--model"},
      description = "Model name, with --pretrained, or with --weights (unless the file names it).")
  String model;

  @Option(names = "--weights", description = "Weights file (.pth/.safetensors).")
  Path weights;

  @Option(
      names = "--pretrained",
      description = "torchvision's ImageNet weights for --model (downloaded once, hash-checked).")
  boolean pretrained;

  @Option(
      names = "--data",
      description =
          "With --weights: the dataset the weights were trained on (classes, transforms);"
              + " not needed for weights from train, which record it.")
  String data;

  @Option(names = "--column", description = "Only column i of a FractalNet.")
  Integer column;

  @Option(names = "--top", description = "Classes per image (default 5).")
  int top = 5;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "JPEG or PNG files.")
  List<Path> images;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (TrainedRun trained = open()) {
      TransformSpec t = trained.transforms();
      // Any photo: shorter side to the input size (or the spec's resize), then a centre crop.
      TransformSpec anySize =
          new TransformSpec(
              t.channels(), t.size(), t.mean(), t.std(), 0, false, Math.max(t.resize(), t.size()));
      var runner = AnytimeNetwork.columnOrWhole(trained.block(), column, trained.spec().name());
      List<String> classes = trained.classes();
      int per = t.channels() * t.size() * t.size();
      for (Path image : images) {
        float[] x = new float[per];
        anySize.eval().apply(ImageFiles.read(image, t.channels()), null, x, 0);
        try (NDManager scope = trained.manager().newSubManager()) {
          NDArray input = scope.create(x, new Shape(1, t.channels(), t.size(), t.size()));
          float[] p =
              runner
                  .forward(new ParameterStore(scope, false), new NDList(input), false)
                  .singletonOrThrow()
                  .softmax(1)
                  .toFloatArray();
          Integer[] order = new Integer[p.length];
          Arrays.setAll(order, i -> i);
          Arrays.sort(order, (a, b) -> Float.compare(p[b], p[a]));
          StringBuilder line = new StringBuilder(image.toString()).append(':');
          for (int j = 0; j < Math.min(top, p.length); j++) {
            line.append(
                String.format(
                    Locale.ROOT, "  %s %.1f %%", classes.get(order[j]), 100 * p[order[j]]));
          }
          out.println(line);
        }
      }
    }
    return 0;
  }

  private TrainedRun open() {
    if (run != null) {
      if (model != null || weights != null || pretrained) {
        throw new DenseFractalException("--run takes the model and weights from the run");
      }
      return TrainedRun.open(run, true);
    }
    if ((weights == null) == !pretrained || (pretrained && model == null)) {
      throw new DenseFractalException(
          "give --run RUN_DIR, --weights FILE (with --model unless the file names it), or --model"
              + " with --pretrained");
    }
    if (pretrained) {
      return TrainedRun.imageNet(model, PretrainedWeights.fetch(model), ImageNetClasses.names());
    }
    if (data != null) {
      return TrainedRun.fromWeights(model, weights, data, null, 0, 0);
    }
    return TrainedRun.fromWeights(model, weights, ImageNetClasses.names());
  }
}
