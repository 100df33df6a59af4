// Random weights of a zoo model as a .safetensors file the server (and predict) can open:
//   java -cp target/densefractal-cli.jar bench/RandomWeights.java MODEL OUT.safetensors [DATASET]
// Without DATASET the file reads as ImageNet weights (1000 classes, 3x224x224); with one
// (cifar10, demo, ...) it is tagged like weights from train (its classes, channels, input size).
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.densefractal.data.Datasets;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.models.ModelZoo;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.WeightsMetadata;
import io.densefractal.weights.block.ModelWeights;
import io.densefractal.weights.safetensors.SafeTensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

public class RandomWeights {
  public static void main(String[] args) {
    String model = args[0];
    Path out = Path.of(args[1]);
    String dataset = args.length > 2 ? args[2] : null;
    ModelSpec spec = ModelZoo.get(model);
    List<String> classes = new ArrayList<>();
    int channels = 3;
    int size = spec.inputSize();
    if (dataset == null) {
      for (int i = 0; i < 1000; i++) {
        classes.add("class" + i);
      }
    } else {
      var t = Datasets.transforms(dataset, size);
      channels = t.channels();
      size = t.size();
      for (int i = 0; i < (dataset.equals("cifar100") ? 100 : 10); i++) {
        classes.add(dataset.equals("demo") ? Datasets.FASHION_MNIST_CLASSES.get(i) : "class" + i);
      }
    }
    Block block = spec.create(new ModelOptions(classes.size(), channels));
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, new Shape(1, channels, size, size));
      StateDict sd = ModelWeights.stateDict(block);
      WeightsMetadata.tag(sd, model, classes.size(), channels);
      if (dataset != null) {
        WeightsMetadata.tagTraining(sd, dataset, classes, size);
      }
      SafeTensors.write(sd, out);
    }
    System.out.println(out + ": " + model + ", " + classes.size() + " classes, " + channels + "x" + size + "x" + size);
  }
}
