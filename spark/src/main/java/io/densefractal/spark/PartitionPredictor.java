package io.densefractal.spark;

import io.densefractal.DenseFractalException;
import io.densefractal.data.DatasetFormatException;
import io.densefractal.data.ImageFiles;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.TopK;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Predicts the rows (id, image bytes) of one partition, {@code batch} images per forward call, and
 * yields one output row per input row, in input order. A row whose bytes are no decodable image
 * gets its {@code error} filled and the partition goes on.
 */
final class PartitionPredictor implements MapPartitionsFunction<Row, Row> {
  private final PredictOptions options;

  PartitionPredictor(PredictOptions options) {
    this.options = options;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> input) {
    TaskContext task = TaskContext.get();
    int threads = task == null ? 1 : task.cpus();
    return new Batches(input, ExecutorModels.get(options.model(), threads), options);
  }

  /** Pulls {@code batch} input rows at a time, so a partition is never held in memory whole. */
  private static final class Batches implements Iterator<Row> {
    private final Iterator<Row> input;
    private final ImageClassifier classifier;
    private final PredictOptions options;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();

    Batches(Iterator<Row> input, ImageClassifier classifier, PredictOptions options) {
      this.input = input;
      this.classifier = classifier;
      this.options = options;
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty() && input.hasNext()) {
        List<Row> batch = new ArrayList<>(options.batch());
        while (batch.size() < options.batch() && input.hasNext()) {
          batch.add(input.next());
        }
        predict(batch);
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    private void predict(List<Row> batch) {
      int channels = classifier.transforms().channels();
      String[] errors = new String[batch.size()];
      float[][] inputs = new float[batch.size()][];
      int decoded = 0;
      for (int i = 0; i < batch.size(); i++) {
        Row row = batch.get(i);
        String name = String.valueOf(row.get(0));
        try {
          byte[] bytes = row.isNullAt(1) ? null : (byte[]) row.get(1);
          if (bytes == null) {
            throw new DatasetFormatException("image " + name + " has no bytes (null)");
          }
          inputs[i] = classifier.preprocess(ImageFiles.read(bytes, name, channels, Long.MAX_VALUE));
          decoded++;
        } catch (DatasetFormatException e) {
          errors[i] = e.getMessage();
        }
      }
      List<List<ClassScore>> scores = List.of();
      float[] embeddings = null;
      int size = 0;
      if (decoded > 0) {
        try {
          float[] stacked = stack(inputs, decoded);
          if (options.top() > 0) {
            scores =
                TopK.of(
                    classifier.logits(stacked, decoded, options.column()),
                    classifier.classes(),
                    options.top());
          }
          if (options.embed()) {
            embeddings = classifier.embeddings(stacked, decoded);
            size = embeddings.length / decoded;
          }
        } catch (DenseFractalException e) {
          for (int i = 0; i < batch.size(); i++) {
            if (errors[i] == null) {
              errors[i] = e.getMessage();
            }
          }
        }
      }
      int next = 0;
      for (int i = 0; i < batch.size(); i++) {
        List<Object> values = new ArrayList<>(6);
        values.add(batch.get(i).get(0));
        boolean ok = errors[i] == null;
        if (options.top() > 0) {
          List<ClassScore> top = ok ? scores.get(next) : null;
          values.add(ok ? seq(top.stream().map(ClassScore::index).toList()) : null);
          values.add(ok ? seq(top.stream().map(ClassScore::name).toList()) : null);
          values.add(ok ? seq(top.stream().map(ClassScore::probability).toList()) : null);
        }
        if (options.embed()) {
          values.add(ok ? seq(floats(embeddings, next * size, size)) : null);
        }
        values.add(errors[i]);
        ready.add(RowFactory.create(values.toArray()));
        if (ok) {
          next++;
        }
      }
    }

    private static List<Float> floats(float[] values, int from, int length) {
      List<Float> out = new ArrayList<>(length);
      for (int j = 0; j < length; j++) {
        out.add(values[from + j]);
      }
      return out;
    }

    /** The decoded images as one (n, C, H, W) batch, in row order. */
    private static float[] stack(float[][] inputs, int decoded) {
      int per = -1;
      float[] stacked = null;
      int at = 0;
      for (float[] x : inputs) {
        if (x == null) {
          continue;
        }
        if (stacked == null) {
          per = x.length;
          stacked = new float[per * decoded];
        }
        System.arraycopy(x, 0, stacked, at, per);
        at += per;
      }
      return stacked;
    }

    /** Rows hold arrays as Scala sequences. */
    private static <T> scala.collection.immutable.Seq<T> seq(List<T> values) {
      return CollectionConverters.asScala(values).toList();
    }
  }
}
