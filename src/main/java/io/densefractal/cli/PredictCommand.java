package io.densefractal.cli;

import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
      "  predict --weights resnet50.onnx cat.jpg          (ONNX Runtime; ours or torch.onnx.export's)",
      "  predict --model resnet20_cifar --weights w.safetensors --data cifar10 plane.png"
    })
final class PredictCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ModelSourceArgs modelSource;

  @Option(names = "--column", description = "Only column i of a FractalNet.")
  Integer column;

  @Mixin EngineArgs engineArgs;

  @Option(names = "--top", description = "Classes per image (default 5).")
  int top = 5;

  @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "JPEG or PNG files.")
  List<Path> images;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if (top < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--top must be at least 1, got " + top);
    }
    ModelSource source = modelSource.source();
    int threads = engineArgs.threads(spec.commandLine());
    try (ImageClassifier classifier = Classifiers.open(source, engineArgs.engine, threads)) {
      int channels = classifier.transforms().channels();
      for (Path image : images) {
        float[] x = classifier.preprocess(ImageFiles.read(image, channels));
        List<ClassScore> scores =
            TopK.of(classifier.logits(x, 1, column), classifier.classes(), top).get(0);
        StringBuilder line = new StringBuilder(image.toString()).append(':');
        for (ClassScore s : scores) {
          line.append(String.format(Locale.ROOT, "  %s %.1f %%", s.name(), 100 * s.probability()));
        }
        out.println(line);
      }
    }
    return 0;
  }
}
