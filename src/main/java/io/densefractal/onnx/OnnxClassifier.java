package io.densefractal.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.TensorInfo;
import io.densefractal.DenseFractalException;
import io.densefractal.data.Datasets;
import io.densefractal.data.TransformSpec;
import io.densefractal.inference.FiniteInputs;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.models.ImageNetClasses;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@link ImageClassifier} run by ONNX Runtime on an {@code .onnx} file: one we exported (its
 * metadata names the model, classes, transforms and column) or one from {@code torch.onnx.export}
 * of a torchvision model (no metadata: 1000 outputs are ImageNet's, else the dataset is named).
 *
 * <p>{@link OrtSession#run} may be called from several threads at once, so this class is
 * thread-safe.
 */
public final class OnnxClassifier implements ImageClassifier {
  /**
   * The graph optimisation used unless asked otherwise: all levels (layout transforms and
   * NCHWc convolutions included) measured fastest here, see docs/BENCHMARKS.md.
   */
  public static final OptLevel DEFAULT_OPTIMIZATION = OptLevel.ALL_OPT;

  private static final Pattern OPSET =
      Pattern.compile("Opset (\\d+) is under development.*till opset (\\d+)");
  private static final String LOGITS = OnnxMetadata.Output.LOGITS.tensorName();
  private static final String EMBEDDING = OnnxMetadata.Output.EMBEDDING.tensorName();
  private static final String FEATURES = OnnxMetadata.Output.FEATURES.tensorName();

  private final Path file;
  private final OrtEnvironment env;
  private final OrtSession session;
  private final String name;
  private final String inputName;
  /** Images per ONNX Runtime call when the graph's batch is free: bounds the activations. */
  static final int MAX_BATCH = 64;

  private final long[] inputShape; // (N, C, H, W), -1 where the graph leaves a dimension free
  private final String logitsOutput; // null when the graph has no logits
  private final String embeddingOutput; // null when the graph has no pooled features
  private final String featuresOutput; // null when the graph has no unpooled features
  private final int column; // the FractalNet column exported alone, 0 for a whole network
  private final List<String> classes;
  private final TransformSpec transforms;
  private final String dataset; // what the weights were trained on, null where unknown

  /** What a forward pass gave: one output's values and shape. */
  public record Output(long[] shape, float[] values) {}

  private OnnxClassifier(
      Path file,
      OrtEnvironment env,
      OrtSession session,
      String name,
      String inputName,
      long[] inputShape,
      Map<String, NodeInfo> outputs,
      OnnxMetadata metadata,
      String dataset,
      boolean graphOnly) {
    this.file = file;
    this.env = env;
    this.session = session;
    this.inputName = inputName;
    this.inputShape = inputShape;
    if (metadata != null) {
      this.name = metadata.model();
      this.column = metadata.column();
    } else {
      this.name = name;
      this.column = 0;
    }
    this.logitsOutput = outputOrNull(outputs, LOGITS, metadata == null);
    this.embeddingOutput = outputs.containsKey(EMBEDDING) ? EMBEDDING : null;
    this.featuresOutput = outputs.containsKey(FEATURES) ? FEATURES : null;
    if (metadata != null) {
      this.classes = metadata.classes();
      this.transforms = metadata.transforms();
      this.dataset = metadata.dataset();
    } else {
      int count = (int) dimension(outputs.get(logitsOutput), 1);
      int size = inputShape[2] > 0 && inputShape[2] == inputShape[3] ? (int) inputShape[2] : 0;
      if (dataset != null) {
        this.dataset = dataset;
        this.classes = Datasets.classes(dataset, null, 0.2);
        this.transforms = Datasets.transforms(dataset, size);
        if (count > 0 && count != classes.size()) {
          throw new DenseFractalException(
              file + " gives " + count + " outputs but " + dataset + " has " + classes.size()
                  + " classes; name the dataset its weights were trained on with --data");
        }
      } else if (count == ImageNetClasses.COUNT) {
        this.dataset = "imagenet";
        this.classes = ImageNetClasses.names();
        this.transforms = Datasets.transforms("imagenet", size);
      } else if (graphOnly) {
        // Tensors in, tensors out: class indices for names, the input taken as already normalised.
        List<String> indices = new ArrayList<>();
        for (int c = 0; c < Math.max(count, 0); c++) {
          indices.add(Integer.toString(c));
        }
        int channels = inputShape[1] == 1 ? 1 : 3;
        float[] zero = new float[channels];
        float[] one = new float[channels];
        Arrays.fill(one, 1f);
        this.dataset = null;
        this.classes = List.copyOf(indices);
        this.transforms =
            new TransformSpec(channels, size > 0 ? size : 224, zero, one, 0, false, 0);
      } else {
        throw new DenseFractalException(
            file + " has no densefractal metadata and " + (count > 0 ? count : "a free number of")
                + " outputs (not ImageNet's 1000); name the dataset its weights were trained on"
                + " with --data");
      }
    }
    if (inputShape[1] > 0 && inputShape[1] != transforms.channels()) {
      throw new DenseFractalException(
          file + " takes " + inputShape[1] + "-channel input but its data has "
              + transforms.channels() + " channels");
    }
  }

  /**
   * Opens an {@code .onnx} file with the default graph optimisation.
   *
   * @param model the name to show for a file without our metadata (null: the file's name)
   * @param dataset for a file without our metadata and not 1000 ImageNet outputs: the dataset
   *     its weights were trained on (classes, transforms); else null
   * @param threads intra-op threads (0: one per core)
   */
  public static OnnxClassifier open(Path file, String model, String dataset, int threads) {
    return open(file, model, dataset, threads, DEFAULT_OPTIMIZATION);
  }

  /**
   * Opens a file to run its graph as given (tensors in, logits out), as {@code infer} does: a file
   * without our metadata needs no dataset then, and its classes are the logit indices.
   */
  public static OnnxClassifier openGraph(Path file, String model, int threads) {
    return open(file, model, null, threads, DEFAULT_OPTIMIZATION, true);
  }

  /** As {@link #open(Path, String, String, int)} with a chosen graph optimisation level. */
  public static OnnxClassifier open(
      Path file, String model, String dataset, int threads, OptLevel optimization) {
    return open(file, model, dataset, threads, optimization, false);
  }

  /**
   * As {@link #open(Path, String, String, int, OptLevel)}; with {@code graphOnly}, as {@link
   * #openGraph}.
   */
  public static OnnxClassifier open(
      Path file,
      String model,
      String dataset,
      int threads,
      OptLevel optimization,
      boolean graphOnly) {
    if (!Files.isRegularFile(file)) {
      throw new DenseFractalException("no such file: " + file);
    }
    if (threads < 0) {
      throw new DenseFractalException("threads must be 0 (all cores) or more, got " + threads);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
    OrtSession session;
    try (SessionOptions options = new SessionOptions()) {
      options.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
      options.setOptimizationLevel(optimization);
      options.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
      options.setInterOpNumThreads(1);
      // ONNX Runtime's own default counted one core on the 2-core hosts measured and ran every
      // forward on the calling thread alone (docs/BENCHMARKS.md, serving): "0" means every core.
      options.setIntraOpNumThreads(
          threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
      session = env.createSession(file.toString(), options);
    } catch (OrtException e) {
      throw loadError(file, e);
    }
    try {
      Map<String, NodeInfo> inputs = session.getInputInfo();
      if (inputs.size() != 1) {
        throw new DenseFractalException(
            file + " has " + inputs.size() + " inputs " + inputs.keySet()
                + "; expected one image input (N, C, H, W)");
      }
      NodeInfo input = inputs.values().iterator().next();
      long[] shape = floatShape(file, input, "input");
      if (shape.length != 4) {
        throw new DenseFractalException(
            file + "'s input " + input.getName() + " has shape " + describe(shape)
                + "; expected images (N, C, H, W)");
      }
      Map<String, NodeInfo> outputs = session.getOutputInfo();
      Map<String, String> properties = session.getMetadata().getCustomMetadata();
      OnnxMetadata metadata =
          OnnxMetadata.isOurs(properties) ? OnnxMetadata.fromProperties(properties) : null;
      String name = model != null ? model : file.getFileName().toString().replaceFirst(
          "(?i)\\.onnx$", "");
      return new OnnxClassifier(
          file, env, session, name, input.getName(), shape, outputs, metadata, dataset, graphOnly);
    } catch (OrtException | RuntimeException e) {
      closeQuietly(session);
      if (e instanceof DenseFractalException d) {
        throw d;
      }
      throw new DenseFractalException(file + ": " + firstLine(e), e);
    }
  }

  /** True for a path named like an ONNX file ({@code .onnx}, any case). */
  public static boolean isOnnxFile(Path path) {
    return path != null && path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String engine() {
    return "onnxruntime";
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  @Override
  public TransformSpec transforms() {
    return transforms;
  }

  /**
   * 0: a whole-network file cannot run one column alone (its graph holds the joins), and a
   * column's file is that column only.
   */
  @Override
  public int columns() {
    return 0;
  }

  /**
   * The dataset the weights were trained on: from our metadata, the one named when opening, or
   * {@code imagenet} for 1000 outputs; null where unknown.
   */
  public String dataset() {
    return dataset;
  }

  /** The FractalNet column this file holds alone (1-based), or 0 for a whole network. */
  public int exportedColumn() {
    return column;
  }

  @Override
  public float[] logits(float[] images, int n, Integer column) {
    checkColumn(column);
    return run(images, imageShape(n), requireLogits()).values();
  }

  /**
   * The logits of a batch of any shape the graph accepts (a free spatial size included), with
   * their shape.
   *
   * @param column null, or the column this file holds (see {@link #exportedColumn()})
   */
  public Output logits(float[] images, long[] shape, Integer column) {
    checkColumn(column);
    return run(images, shape, requireLogits());
  }

  @Override
  public int embeddingSize() {
    if (embeddingOutput != null) {
      return (int) dimension(outputInfo(embeddingOutput), 1);
    }
    if (featuresOutput != null) {
      return (int) dimension(outputInfo(featuresOutput), 1);
    }
    throw noEmbedding();
  }

  @Override
  public float[] embeddings(float[] images, int n) {
    return embeddings(images, imageShape(n)).values();
  }

  /** Embeddings (N, D) of a batch of any shape the graph accepts. */
  public Output embeddings(float[] images, long[] shape) {
    if (embeddingOutput != null) {
      return run(images, shape, embeddingOutput);
    }
    if (featuresOutput == null) {
      throw noEmbedding();
    }
    // The unpooled map (include_top=False): its global average is the embedding.
    Output f = run(images, shape, featuresOutput);
    long[] s = f.shape();
    int n = (int) s[0];
    int c = (int) s[1];
    int hw = (int) (s[2] * s[3]);
    float[] pooled = new float[n * c];
    for (int i = 0; i < n * c; i++) {
      double sum = 0;
      for (int j = 0; j < hw; j++) {
        sum += f.values()[i * hw + j];
      }
      pooled[i] = (float) (sum / hw);
    }
    return new Output(new long[] {n, c}, pooled);
  }

  private Output run(float[] images, long[] shape, String output) {
    checkInput(shape, images.length);
    FiniteInputs.check(images, shape[0] + " input image(s)");
    // A graph exported for a fixed batch of one still serves any batch, one image at a time; a
    // free batch runs in chunks, so that a large input cannot allocate activations without bound.
    int chunk = inputShape[0] == 1 ? 1 : inputShape[0] < 0 ? MAX_BATCH : Integer.MAX_VALUE;
    if (shape[0] > chunk) {
      return runInChunks(images, shape, output, chunk);
    }
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), shape);
        OrtSession.Result r = session.run(Map.of(inputName, x), Set.of(output))) {
      OnnxTensor y = (OnnxTensor) r.get(0);
      FloatBuffer buffer = y.getFloatBuffer();
      float[] values = new float[buffer.remaining()];
      buffer.get(values);
      return new Output(y.getInfo().getShape(), values);
    } catch (OrtException e) {
      throw new DenseFractalException(
          name + " (" + file + ") cannot run an input of shape " + describe(shape) + ": "
              + firstLine(e),
          e);
    }
  }

  private Output runInChunks(float[] images, long[] shape, String output, int chunk) {
    int n = (int) shape[0];
    int per = images.length / n;
    List<float[]> parts = new ArrayList<>();
    long[] outShape = null;
    for (int from = 0; from < n; from += chunk) {
      long[] part = shape.clone();
      part[0] = Math.min(chunk, n - from);
      Output o =
          run(Arrays.copyOfRange(images, from * per, (int) (from + part[0]) * per), part, output);
      parts.add(o.values());
      outShape = o.shape();
    }
    int rowLength = (int) (parts.get(0).length / Math.min(chunk, n));
    float[] all = new float[Math.multiplyExact(n, rowLength)];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    outShape[0] = n;
    return new Output(outShape, all);
  }

  private long[] imageShape(int n) {
    return new long[] {n, transforms.channels(), transforms.size(), transforms.size()};
  }

  /** The input must fit the graph's fixed dimensions; the values must fill the shape. */
  private void checkInput(long[] shape, int values) {
    boolean fits = shape.length == 4 && shape[0] >= 1;
    for (int d = 1; fits && d < 4; d++) {
      fits = shape[d] >= 1 && (inputShape[d] < 0 || inputShape[d] == shape[d]);
    }
    if (fits && inputShape[0] > 1 && inputShape[0] != shape[0]) {
      fits = false;
    }
    if (!fits) {
      throw new DenseFractalException(
          "an input of shape " + describe(shape) + " does not fit " + file + ", which expects "
              + expected());
    }
    long need = shape[0] * shape[1] * shape[2] * shape[3];
    if (need != values) {
      throw new DenseFractalException(
          values + " input values do not fill shape " + describe(shape) + " (" + need + ")");
    }
  }

  /** The expected input, e.g. {@code (N, 3, 224, 224)} with letters for free dimensions. */
  private String expected() {
    String[] letters = {"N", "C", "H", "W"};
    StringBuilder sb = new StringBuilder("(");
    for (int d = 0; d < 4; d++) {
      sb.append(d == 0 ? "" : ", ").append(inputShape[d] > 0 ? inputShape[d] : letters[d]);
    }
    return sb.append(") float32 images").toString();
  }

  private void checkColumn(Integer wanted) {
    if (wanted == null || wanted == column) {
      return;
    }
    if (column == 0) {
      throw new DenseFractalException(
          file + " is a whole-network export, which cannot run column " + wanted
              + " alone; `densefractal export --column " + wanted
              + " --to FILE.onnx` makes a file of that column");
    }
    throw new DenseFractalException(
        file + " holds column " + column + " only, not column " + wanted
            + "; export that column with `densefractal export --column " + wanted + "`");
  }

  private String requireLogits() {
    if (logitsOutput == null) {
      throw new DenseFractalException(
          file + " holds features, not logits (a --features export); use `densefractal embed`,"
              + " or export the classifier for predictions");
    }
    return logitsOutput;
  }

  private DenseFractalException noEmbedding() {
    return new DenseFractalException(
        file + " has no '" + EMBEDDING + "' or '" + FEATURES + "' output (a file from"
            + " torch.onnx.export gives logits only); export it with `densefractal export --to"
            + " FILE.onnx`, whose files carry embeddings");
  }

  private NodeInfo outputInfo(String output) {
    try {
      return session.getOutputInfo().get(output);
    } catch (OrtException e) {
      throw new DenseFractalException(file + ": " + firstLine(e), e);
    }
  }

  /**
   * {@code preferred} when the graph has it; for files without our metadata, the first output.
   */
  private static String outputOrNull(
      Map<String, NodeInfo> outputs, String preferred, boolean firstOtherwise) {
    if (outputs.containsKey(preferred)) {
      return preferred;
    }
    if (firstOtherwise) {
      return outputs.keySet().iterator().next();
    }
    return null;
  }

  /** A float tensor's shape, -1 for free dimensions. */
  private static long[] floatShape(Path file, NodeInfo node, String what) {
    if (!(node.getInfo() instanceof TensorInfo t) || t.type != OnnxJavaType.FLOAT) {
      throw new DenseFractalException(
          file + "'s " + what + " " + node.getName() + " is " + node.getInfo()
              + "; expected float32 images (N, C, H, W)");
    }
    return t.getShape();
  }

  private static long dimension(NodeInfo node, int d) {
    if (node != null && node.getInfo() instanceof TensorInfo t && t.getShape().length > d) {
      return t.getShape()[d];
    }
    return -1;
  }

  private static String describe(long[] shape) {
    return Arrays.toString(shape).replace("-1", "?");
  }

  /** A one-line message for a file ONNX Runtime would not load. */
  private static DenseFractalException loadError(Path file, OrtException e) {
    // ORT's text: "Load model from PATH failed:" then, for some errors, a C++ source location.
    String reason = firstLine(e).replaceFirst("^.*? failed:", "");
    reason = reason.replaceFirst("^/onnxruntime_src/\\S+ .*?\\) ", "").strip();
    if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_PROTOBUF
        || reason.toLowerCase(Locale.ROOT).contains("protobuf parsing failed")) {
      return new DenseFractalException(
          file + " is not a readable ONNX model (its bytes do not parse as ONNX; a truncated or"
              + " damaged file reads so too); expected a .onnx file from `densefractal export`"
              + " or torch.onnx.export",
          e);
    }
    Matcher opset = OPSET.matcher(reason);
    if (opset.find()) {
      return new DenseFractalException(
          file + " is stamped with ONNX opset " + opset.group(1) + "; ONNX Runtime 1.22 runs"
              + " released opsets up to " + opset.group(2) + ": export it again with opset 13 to "
              + opset.group(2),
          e);
    }
    return new DenseFractalException(
        file + " is not a model ONNX Runtime 1.22 can load: " + reason, e);
  }

  private static String firstLine(Throwable e) {
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException e) {
      // Closing after a failed open: the open's error is the one to report.
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new DenseFractalException("closing " + file + ": " + firstLine(e), e);
    }
  }
}
