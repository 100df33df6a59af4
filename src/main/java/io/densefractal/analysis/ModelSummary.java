package io.densefractal.analysis;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import io.densefractal.models.AnytimeNetwork;
import io.densefractal.models.ModelOptions;
import io.densefractal.models.ModelSpec;
import io.densefractal.recompute.SegmentedNetwork;
import io.densefractal.weights.block.TorchKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-layer output shapes, parameters and MACs of a model, with totals. MACs follow torchvision's
 * convention: multiply-adds of convolutions and linear layers only, for one image.
 *
 * @param model model name
 * @param inputShape the summarised input (batch 1)
 * @param layers every leaf layer, in forward order
 * @param params trainable parameters, equal to torch's {@code sum(p.numel() for p in parameters())}
 * @param buffers non-trainable values (BatchNorm running mean and variance)
 * @param macs total multiply-accumulates
 * @param activationBytes activations kept for backward in standard training, per image (the sum of
 *     the layers' savedBytes): DenseNet's quadratic term lives here
 * @param memoryEfficientBytes what memory-efficient training keeps instead (the states between the
 *     recomputed segments and the tail's graph, see {@link SegmentedNetwork}), per image; -1 for
 *     models without that mode
 * @param columns per-column depth, parameters and MACs of an {@link AnytimeNetwork}; empty
 *     otherwise
 */
public record ModelSummary(
    String model,
    Shape inputShape,
    List<LayerSummary> layers,
    long params,
    long buffers,
    long macs,
    long activationBytes,
    long memoryEfficientBytes,
    List<ColumnSummary> columns) {

  public ModelSummary {
    layers = List.copyOf(layers);
    columns = List.copyOf(columns);
  }

  /**
   * Builds {@code spec} with {@code options} and summarises it for a square input of {@code size}.
   * Parameters are allocated as zeros (no random init: only shapes matter) and freed on return.
   */
  public static ModelSummary of(ModelSpec spec, ModelOptions options, int size) {
    Block block = spec.create(options);
    block.setInitializer(Initializer.ZEROS, p -> true);
    Shape input = new Shape(1, options.inChannels(), size, size);
    try (NDManager manager = NDManager.newBaseManager()) {
      block.initialize(manager, DataType.FLOAT32, input);
      return of(spec.name(), block, input);
    }
  }

  /** Summarises a block already initialised for {@code input}. */
  public static ModelSummary of(String name, Block block, Shape input) {
    List<LayerSummary> layers = new ArrayList<>();
    walk(block, "", layers);
    long params = 0;
    long macs = 0;
    long saved = 0;
    for (LayerSummary l : layers) {
      params += l.params();
      macs += l.macs();
      saved += l.savedBytes();
    }
    long memoryEfficient =
        SegmentedNetwork.of(block).map(s -> memoryEfficientBytes(s, layers, input)).orElse(-1L);
    long buffers = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (!p.getValue().requiresGradient()) {
        buffers += p.getValue().getArray().getShape().size();
      }
    }
    List<ColumnSummary> columns =
        block instanceof AnytimeNetwork net ? columnsOf(layers, net) : List.of();
    return new ModelSummary(
        name, input, layers, params, buffers, macs, saved, memoryEfficient, columns);
  }

  /**
   * What memory-efficient training keeps per image with the default tail: the states handed on by
   * the segments it recomputes, and the tail's graph (its layers keep what they keep in standard
   * training).
   */
  private static long memoryEfficientBytes(
      SegmentedNetwork net, List<LayerSummary> layers, Shape input) {
    long[] kept = net.keptElements(input);
    List<List<String>> prefixes = net.segmentLayerPrefixes();
    int tail =
        SegmentedNetwork.tailStart(
            net.segmentInputElements(input), SegmentedNetwork.DEFAULT_TAIL_BUDGET);
    long bytes = 0;
    for (int i = 0; i < tail; i++) {
      bytes += kept[i] * Float.BYTES;
    }
    bytes /= input.get(0);
    for (List<String> segment : prefixes.subList(tail, prefixes.size())) {
      for (LayerSummary l : layers) {
        if (segment.stream().anyMatch(p -> l.name().equals(p) || l.name().startsWith(p + "."))) {
          bytes += l.savedBytes();
        }
      }
    }
    return bytes;
  }

  private static void walk(Block block, String prefix, List<LayerSummary> out) {
    if (block.getChildren().isEmpty()) {
      out.add(leaf(block, prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1)));
      return;
    }
    int position = 1;
    for (Pair<String, Block> child : block.getChildren()) {
      String name = TorchKeys.childName(child.getKey(), position++);
      walk(child.getValue(), prefix + name + ".", out);
    }
  }

  private static LayerSummary leaf(Block block, String name) {
    Shape in = block.getInputShapes()[0];
    Shape out = block.getOutputShapes(new Shape[] {in})[0];
    long params = 0;
    for (Pair<String, Parameter> p : block.getDirectParameters()) {
      if (p.getValue().requiresGradient()) {
        params += p.getValue().getArray().getShape().size();
      }
    }
    long macs = 0;
    if (block instanceof Convolution || block instanceof Linear) {
      long weights = block.getDirectParameters().get("weight").getArray().getShape().size();
      // Each output position (spatial location, or row of a linear layer) costs one MAC per
      // weight feeding one output channel: weights / outChannels · outputElements.
      long outChannels = block instanceof Linear ? out.get(out.dimension() - 1) : out.get(1);
      long perImage = out.size() / out.get(0);
      macs = weights / outChannels * perImage;
    }
    boolean keepsInput =
        block instanceof Convolution
            || block instanceof Linear
            || block instanceof BatchNorm
            // Pooling (a LambdaBlock that changes the shape) keeps its input; an elementwise
            // LambdaBlock (ReLU) keeps its output, which the next layer counts as its input.
            || (block instanceof LambdaBlock && !in.equals(out));
    long savedBytes = keepsInput ? in.size() / in.get(0) * Float.BYTES : 0;
    return new LayerSummary(name, block.getClass().getSimpleName(), out, params, macs, savedBytes);
  }

  /**
   * Depth, parameters and MACs of one column of an anytime network (the layers whose names start
   * with one of {@code prefixes}).
   *
   * @param convLayers the column's conv units along its path (block-input 1×1 convs excluded)
   */
  public record ColumnSummary(int column, int convLayers, long params, long macs) {}

  /** Per-column summaries of an {@link AnytimeNetwork}, from its layer rows. */
  private static List<ColumnSummary> columnsOf(List<LayerSummary> layers, AnytimeNetwork net) {
    List<ColumnSummary> out = new ArrayList<>();
    for (int i = 1; i <= net.columns(); i++) {
      List<String> prefixes = net.columnLayerPrefixes(i);
      int convs = 0;
      long p = 0;
      long m = 0;
      for (LayerSummary l : layers) {
        if (prefixes.stream().anyMatch(l.name()::startsWith)) {
          p += l.params();
          m += l.macs();
          if (l.type().equals("Conv2d") && l.macs() > 0 && !l.name().contains(".doubling.")) {
            convs++;
          }
        }
      }
      out.add(new ColumnSummary(i, convs, p, m));
    }
    return out;
  }

  /** A fixed-width table, one line per layer, then the totals. */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-44s %-16s %-22s %12s %15s %12s%n",
            "layer",
            "type",
            "output",
            "params",
            "MACs",
            "saved KB"));
    for (LayerSummary l : layers) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-44s %-16s %-22s %,12d %,15d %,12.1f%n",
              l.name(),
              l.type(),
              l.outputShape(),
              l.params(),
              l.macs(),
              l.savedBytes() / 1024.0));
    }
    sb.append(totals());
    return sb.toString();
  }

  /** The totals, one line each. */
  public String totals() {
    String text =
        String.format(
            Locale.ROOT,
            "model %s, input %s%nparams: %,d (%.2f M)%nbuffers: %,d%nMACs: %,d (%.3f G)%n"
                + "activations kept for backward, per image: %.2f MB%n",
            model,
            inputShape,
            params,
            params / 1e6,
            buffers,
            macs,
            macs / 1e9,
            activationBytes / 1e6);
    for (ColumnSummary c : columns) {
      text +=
          String.format(
              Locale.ROOT,
              "column %d alone (--column %d): %d conv layers, params %,d, MACs %.3f G%n",
              c.column(),
              c.column(),
              c.convLayers(),
              c.params(),
              c.macs() / 1e9);
    }
    if (memoryEfficientBytes >= 0) {
      text +=
          String.format(
              Locale.ROOT,
              "  with memory-efficient training (--memory-efficient): %.2f MB"
                  + " (the states between recomputed segments, and the graph of the tail that"
                  + " is not recomputed)%n",
              memoryEfficientBytes / 1e6);
    }
    return text;
  }
}
