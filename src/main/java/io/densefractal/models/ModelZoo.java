package io.densefractal.models;

import io.densefractal.models.densenet.DenseNet;
import io.densefractal.models.densenet.DenseNetConfig;
import io.densefractal.models.densenet.DenseNets;
import io.densefractal.models.fractalnet.FractalNet;
import io.densefractal.models.fractalnet.FractalNetConfig;
import io.densefractal.models.resnet.ResNet;
import io.densefractal.models.resnet.ResNetConfig;
import io.densefractal.models.resnet.ResNets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Every named model, in a fixed order: name → builder. Immutable. */
public final class ModelZoo {
  private static final Map<String, ModelSpec> MODELS = register();

  /** Any CIFAR DenseNet by name, e.g. densenet_bc190_k12, beyond the registered ones. */
  private static final Pattern CIFAR_DENSENET =
      Pattern.compile("densenet(_bc)?(\\d{1,4})_k(\\d{1,3})");

  private ModelZoo() {}

  private static Map<String, ModelSpec> register() {
    Map<String, ModelSpec> m = new LinkedHashMap<>();
    imagenetResNet(
        m,
        "resnet18",
        "ResNet-18 (He et al. 2016), BasicBlock [2,2,2,2]",
        () -> ResNets.basic(2, 2, 2, 2));
    imagenetResNet(
        m, "resnet34", "ResNet-34, BasicBlock [3,4,6,3]", () -> ResNets.basic(3, 4, 6, 3));
    imagenetResNet(
        m,
        "resnet50",
        "ResNet-50 v1.5, Bottleneck [3,4,6,3]",
        () -> ResNets.bottleneck(1, 64, 3, 4, 6, 3));
    imagenetResNet(
        m,
        "resnet101",
        "ResNet-101 v1.5, Bottleneck [3,4,23,3]",
        () -> ResNets.bottleneck(1, 64, 3, 4, 23, 3));
    imagenetResNet(
        m,
        "resnet152",
        "ResNet-152 v1.5, Bottleneck [3,8,36,3]",
        () -> ResNets.bottleneck(1, 64, 3, 8, 36, 3));
    imagenetResNet(
        m,
        "resnext50_32x4d",
        "ResNeXt-50 32x4d (Xie et al. 2017)",
        () -> ResNets.bottleneck(32, 4, 3, 4, 6, 3));
    imagenetResNet(
        m, "resnext101_32x8d", "ResNeXt-101 32x8d", () -> ResNets.bottleneck(32, 8, 3, 4, 23, 3));
    imagenetResNet(
        m, "resnext101_64x4d", "ResNeXt-101 64x4d", () -> ResNets.bottleneck(64, 4, 3, 4, 23, 3));
    imagenetResNet(
        m,
        "wide_resnet50_2",
        "Wide ResNet-50-2 (Zagoruyko & Komodakis 2016)",
        () -> ResNets.bottleneck(1, 128, 3, 4, 6, 3));
    imagenetResNet(
        m, "wide_resnet101_2", "Wide ResNet-101-2", () -> ResNets.bottleneck(1, 128, 3, 4, 23, 3));
    for (int depth : new int[] {20, 32, 44, 56, 110, 1202}) {
      resnet(
          m,
          "resnet" + depth + "_cifar",
          String.format(
              Locale.ROOT,
              "CIFAR ResNet-%d (He et al. 2016), 3 stages of %d blocks, option A",
              depth,
              (depth - 2) / 6),
          32,
          new ModelOptions(10, 3),
          () -> ResNets.cifar(depth));
    }
    densenet(
        m,
        "densenet121",
        "DenseNet-121 (Huang et al. 2017), k=32, blocks [6,12,24,16]",
        224,
        new ModelOptions(1000, 3),
        () -> DenseNets.imagenet(32, 64, 6, 12, 24, 16));
    densenet(
        m,
        "densenet161",
        "DenseNet-161, k=48, blocks [6,12,36,24]",
        224,
        new ModelOptions(1000, 3),
        () -> DenseNets.imagenet(48, 96, 6, 12, 36, 24));
    densenet(
        m,
        "densenet169",
        "DenseNet-169, k=32, blocks [6,12,32,32]",
        224,
        new ModelOptions(1000, 3),
        () -> DenseNets.imagenet(32, 64, 6, 12, 32, 32));
    densenet(
        m,
        "densenet201",
        "DenseNet-201, k=32, blocks [6,12,48,32]",
        224,
        new ModelOptions(1000, 3),
        () -> DenseNets.imagenet(32, 64, 6, 12, 48, 32));
    cifarDenseNet(m, 40, 12, false);
    cifarDenseNet(m, 100, 12, false);
    cifarDenseNet(m, 100, 24, false);
    cifarDenseNet(m, 100, 12, true);
    cifarDenseNet(m, 250, 24, true);
    cifarDenseNet(m, 190, 40, true);
    fractalnet(m, "fractalnet20", 3);
    fractalnet(m, "fractalnet40", 4);
    return Collections.unmodifiableMap(m);
  }

  private static void fractalnet(Map<String, ModelSpec> m, String name, int columns) {
    String description =
        String.format(
            Locale.ROOT,
            "FractalNet (Larsson et al. 2017), B=5, C=%d, deepest column %d conv layers",
            columns,
            5 << (columns - 1));
    Function<ModelOptions, ai.djl.nn.Block> factory =
        o ->
            new FractalNet(
                FractalNetConfig.paper(columns).withClasses(o.numClasses(), o.inChannels()),
                o.memoryFormat());
    m.put(
        name, new ModelSpec(name, "fractalnet", description, 32, new ModelOptions(10, 3), factory));
  }

  private static void cifarDenseNet(Map<String, ModelSpec> m, int depth, int k, boolean bc) {
    String name = String.format(Locale.ROOT, "densenet%s%d_k%d", bc ? "_bc" : "", depth, k);
    String description =
        String.format(
            Locale.ROOT,
            "CIFAR DenseNet%s (Huang et al. 2017, Table 2), depth %d, k=%d",
            bc ? "-BC" : "",
            depth,
            k);
    densenet(
        m, name, description, 32, new ModelOptions(10, 3), () -> DenseNets.cifar(depth, k, bc));
  }

  private static void densenet(
      Map<String, ModelSpec> m,
      String name,
      String description,
      int inputSize,
      ModelOptions defaults,
      Supplier<DenseNetConfig.Builder> config) {
    Function<ModelOptions, ai.djl.nn.Block> factory =
        o ->
            new DenseNet(
                config.get().numClasses(o.numClasses()).inChannels(o.inChannels()).build(),
                o.memoryFormat());
    m.put(name, new ModelSpec(name, "densenet", description, inputSize, defaults, factory));
  }

  private static void imagenetResNet(
      Map<String, ModelSpec> m,
      String name,
      String description,
      Supplier<ResNetConfig.Builder> config) {
    resnet(m, name, description, 224, new ModelOptions(1000, 3), config);
  }

  private static void resnet(
      Map<String, ModelSpec> m,
      String name,
      String description,
      int inputSize,
      ModelOptions defaults,
      Supplier<ResNetConfig.Builder> config) {
    Function<ModelOptions, ai.djl.nn.Block> factory =
        o ->
            new ResNet(
                config.get().numClasses(o.numClasses()).inChannels(o.inChannels()).build(),
                o.memoryFormat());
    m.put(name, new ModelSpec(name, "resnet", description, inputSize, defaults, factory));
  }

  /** All models, in registration order. */
  public static List<ModelSpec> all() {
    return new ArrayList<>(MODELS.values());
  }

  public static List<String> names() {
    return new ArrayList<>(MODELS.keySet());
  }

  /**
   * The model called {@code name}.
   *
   * @throws ConfigException naming the closest known models when there is none
   */
  public static ModelSpec get(String name) {
    ModelSpec spec = MODELS.get(name);
    Matcher dense = CIFAR_DENSENET.matcher(name);
    if (spec == null && dense.matches()) {
      int depth = Integer.parseInt(dense.group(2));
      int k = Integer.parseInt(dense.group(3));
      boolean bc = dense.group(1) != null;
      DenseNets.cifar(depth, k, bc); // validates now: a bad depth fails here, not at build time
      Map<String, ModelSpec> one = new LinkedHashMap<>();
      cifarDenseNet(one, depth, k, bc);
      spec = one.get(name);
    }
    if (spec == null) {
      throw new ConfigException(
          "unknown model '"
              + name
              + "'; known models: "
              + String.join(", ", MODELS.keySet())
              + " (see `densefractal summary --list`)");
    }
    return spec;
  }
}
