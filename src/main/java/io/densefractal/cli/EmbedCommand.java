package io.densefractal.cli;

import io.densefractal.DenseFractalException;
import io.densefractal.data.ImageFiles;
import io.densefractal.engine.Classifiers;
import io.densefractal.files.AtomicFiles;
import io.densefractal.files.OutputPaths;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code embed}: the pooled features (the vector people index) of image files or of an .npy batch,
 * written as (N, D) .npy and as CSV, one row per image with its path.
 *
 * <p>CSV rather than Parquet: every tool reads it (pandas, DuckDB, Spark, a spreadsheet), and
 * Parquet for Java would bring parquet-hadoop with Hadoop's client libraries (tens of MB) into the
 * CLI jar for a table of a few floats per image; the .npy next to it is the compact, exact copy.
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = {
      "Embeddings (globally pooled features) of images or of an .npy batch: .npy and CSV out.",
      "  embed --weights resnet50.onnx --output emb.npy cat.jpg dog.png",
      "  embed --weights model.onnx --input batch.npy --output emb.npy --csv emb.csv"
    })
final class EmbedCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin ModelSourceArgs modelSource;

  @Mixin EngineArgs engineArgs;

  @Option(
      names = "--input",
      description = "An .npy batch (N, C, H, W) of network input instead of image files.")
  Path input;

  @Option(names = "--output", required = true, description = "Where to write the (N, D) .npy.")
  Path output;

  @Option(
      names = "--csv",
      description = "Where to write the CSV (path, e0..eD-1); default: --output with .csv.")
  Path csv;

  @Option(names = "--batch", description = "Images per forward (default 16).")
  int batch = 16;

  @Parameters(arity = "0..*", paramLabel = "IMAGE", description = "JPEG or PNG files.")
  List<Path> images = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    if ((input == null) == images.isEmpty()) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "give image files or --input BATCH.npy (not both)");
    }
    if (batch < 1) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--batch must be at least 1, got " + batch);
    }
    Path csvFile =
        csv != null
            ? csv
            : output.resolveSibling(
                output.getFileName().toString().replaceFirst("(?i)\\.npy$", "") + ".csv");
    if (csvFile.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), "--csv and --output name the same file");
    }
    List<Path> inputs = new ArrayList<>(images);
    inputs.add(input);
    inputs.addAll(modelSource.inputFiles());
    OutputPaths.check(Map.of("--output", output, "--csv", csvFile), inputs);
    int threads = engineArgs.threads(spec.commandLine());
    ModelSource source = modelSource.source();
    try (ImageClassifier classifier = Classifiers.open(source, engineArgs.engine, threads)) {
      classifier.embeddingSize(); // fails at once, before any image is read, without embeddings
      List<String> names = new ArrayList<>();
      float[] all;
      if (input != null) {
        all = embedBatch(classifier, names);
      } else {
        all = embedImages(classifier, names);
      }
      int n = names.size();
      int dim = all.length / Math.max(n, 1);
      // Everything is computed before anything is written: a failure leaves no partial output.
      Npy.write(Tensor.ofFloats(new long[] {n, dim}, all), output);
      writeCsv(csvFile, names, all, dim);
      out.printf(
          Locale.ROOT,
          "%s (%s): %d embeddings of %d written to %s and %s%n",
          classifier.name(),
          classifier.engine(),
          n,
          dim,
          output,
          csvFile);
    }
    return 0;
  }

  private float[] embedImages(ImageClassifier classifier, List<String> names) {
    int channels = classifier.transforms().channels();
    float[][] chunks = new float[(images.size() + batch - 1) / batch][];
    for (int b = 0; b < chunks.length; b++) {
      List<Path> part = images.subList(b * batch, Math.min(images.size(), (b + 1) * batch));
      float[] x = null;
      for (int i = 0; i < part.size(); i++) {
        float[] one = classifier.preprocess(ImageFiles.read(part.get(i), channels));
        if (x == null) {
          x = new float[one.length * part.size()];
        }
        System.arraycopy(one, 0, x, i * one.length, one.length);
        names.add(part.get(i).toString());
      }
      chunks[b] = classifier.embeddings(x, part.size());
    }
    return concat(chunks);
  }

  private float[] embedBatch(ImageClassifier classifier, List<String> names) {
    Tensor t = Npy.read(input);
    if (!t.dtype().isFloatingPoint()) {
      throw new DenseFractalException(input + " holds " + t.dtype() + "; embed needs float images");
    }
    long[] shape = t.shape();
    if (shape.length == 3) {
      shape = new long[] {1, shape[0], shape[1], shape[2]};
    }
    var want = classifier.transforms();
    long[] image = {want.channels(), want.size(), want.size()};
    if (shape.length != 4 || !Arrays.equals(Arrays.copyOfRange(shape, 1, 4), image)) {
      throw new DenseFractalException(
          input + " has shape " + Arrays.toString(t.shape()) + "; " + classifier.name()
              + " expects (N, " + want.channels() + ", " + want.size() + ", " + want.size() + ")");
    }
    float[] x = t.toFloatArray();
    int n = (int) shape[0];
    int per = x.length / n;
    float[][] chunks = new float[(n + batch - 1) / batch][];
    for (int b = 0; b < chunks.length; b++) {
      int from = b * batch;
      int to = Math.min(n, from + batch);
      chunks[b] = classifier.embeddings(Arrays.copyOfRange(x, from * per, to * per), to - from);
    }
    String base = input.getFileName().toString();
    for (int i = 0; i < n; i++) {
      names.add(base + "[" + i + "]");
    }
    return concat(chunks);
  }

  private static float[] concat(float[][] chunks) {
    int total = 0;
    for (float[] c : chunks) {
      total += c.length;
    }
    float[] all = new float[total];
    int at = 0;
    for (float[] c : chunks) {
      System.arraycopy(c, 0, all, at, c.length);
      at += c.length;
    }
    return all;
  }

  /** One row per image: its path (quoted as RFC 4180 wants), then the shortest exact floats. */
  private static void writeCsv(Path file, List<String> names, float[] values, int dim) {
    AtomicFiles.write(
        file,
        stream -> {
          Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
          StringBuilder header = new StringBuilder("path");
          for (int d = 0; d < dim; d++) {
            header.append(",e").append(d);
          }
          w.write(header.append("\r\n").toString());
          for (int i = 0; i < names.size(); i++) {
            StringBuilder row = new StringBuilder(quote(names.get(i)));
            for (int d = 0; d < dim; d++) {
              row.append(',').append(values[i * dim + d]);
            }
            w.write(row.append("\r\n").toString());
          }
          w.flush();
        });
  }

  private static String quote(String field) {
    if (field.indexOf(',') < 0
        && field.indexOf('"') < 0
        && field.indexOf('\n') < 0
        && field.indexOf('\r') < 0) {
      return field;
    }
    return '"' + field.replace("\"", "\"\"") + '"';
  }
}
