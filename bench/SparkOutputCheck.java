// Checks a Spark job's Parquet output against single-process `predict` on the same images:
//   java <Spark's --add-opens> -cp "<Spark jars>:spark/target/densefractal-spark-job.jar" \
//     bench/SparkOutputCheck.java OUT.parquet RUN_DIR PREDICT_OUTPUT.txt
// PREDICT_OUTPUT.txt is what `densefractal predict --run RUN_DIR --top K IMAGES...` printed: every
// image must be in the table exactly once, with the same top-k names in the same order and each
// probability as printed (to 0.1 %). The probabilities are also recomputed as predict computes
// them (Classifiers, ImageFiles, TopK) and must agree within 1e-5.
import io.densefractal.engine.Classifiers;
import io.densefractal.inference.ClassScore;
import io.densefractal.inference.ImageClassifier;
import io.densefractal.inference.ModelSource;
import io.densefractal.inference.TopK;
import io.densefractal.data.ImageFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

public class SparkOutputCheck {
  private static final Pattern SCORE = Pattern.compile("  (.+?) (\\d+\\.\\d) %");

  public static void main(String[] args) throws Exception {
    String out = args[0];
    Path run = Path.of(args[1]);
    Map<String, List<String[]>> printed = new HashMap<>();
    for (String line : Files.readAllLines(Path.of(args[2]))) {
      int colon = line.indexOf(":  ");
      List<String[]> scores = new ArrayList<>();
      Matcher m = SCORE.matcher(line.substring(colon + 1));
      while (m.find()) {
        scores.add(new String[] {m.group(1), m.group(2)});
      }
      printed.put(Path.of(line.substring(0, colon)).toAbsolutePath().toString(), scores);
    }
    List<Row> rows;
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .getOrCreate();
    try {
      rows = spark.read().parquet(out).select("path", "names", "probabilities", "error")
          .collectAsList();
    } finally {
      spark.stop();
    }
    List<String> problems = new ArrayList<>();
    Map<String, Row> byPath = new HashMap<>();
    for (Row r : rows) {
      String path = Path.of(URI.create(r.getString(0))).toString();
      if (byPath.put(path, r) != null) {
        problems.add(path + " is in the table twice");
      }
    }
    double maxDiff = 0;
    ModelSource source = new ModelSource(run, null, null, false, null);
    try (ImageClassifier classifier = Classifiers.open(source, null, 2)) {
      int channels = classifier.transforms().channels();
      for (Map.Entry<String, List<String[]>> e : printed.entrySet()) {
        Row r = byPath.remove(e.getKey());
        if (r == null) {
          problems.add(e.getKey() + " is missing from the table");
          continue;
        }
        if (!r.isNullAt(3)) {
          problems.add(e.getKey() + " has an error: " + r.getString(3));
          continue;
        }
        List<String> names = r.getList(1);
        List<Float> probabilities = r.getList(2);
        List<String[]> expected = e.getValue();
        float[] x = classifier.preprocess(ImageFiles.read(Path.of(e.getKey()), channels));
        List<ClassScore> exact =
            TopK.of(classifier.logits(x, 1, null), classifier.classes(), expected.size()).get(0);
        if (names.size() != expected.size()) {
          problems.add(e.getKey() + ": " + names.size() + " classes, predict printed "
              + expected.size());
          continue;
        }
        for (int j = 0; j < expected.size(); j++) {
          double p = probabilities.get(j);
          double shown = Double.parseDouble(expected.get(j)[1]);
          // Two classes as probable as each other (within 1e-5) may come in either order.
          boolean tie =
              (j > 0
                      && Math.abs(exact.get(j - 1).probability() - exact.get(j).probability())
                          < 1e-5)
                  || (j + 1 < exact.size()
                      && Math.abs(exact.get(j + 1).probability() - exact.get(j).probability())
                          < 1e-5);
          // Printed to 0.1 %: off by half of that, and by what 1e-5 in probability can move.
          if ((!tie && !names.get(j).equals(expected.get(j)[0]))
              || Math.abs(100 * p - shown) > 0.05 + 1e-3) {
            problems.add(String.format(Locale.ROOT, "%s: class %d is %s %.4f %%, predict printed"
                + " %s %s %%", e.getKey(), j, names.get(j), 100 * p, expected.get(j)[0],
                expected.get(j)[1]));
          }
          maxDiff = Math.max(maxDiff, Math.abs(p - exact.get(j).probability()));
        }
      }
    }
    for (String extra : byPath.keySet()) {
      problems.add(extra + " is in the table but was not given to predict");
    }
    if (maxDiff > 1e-5) {
      problems.add("probabilities differ from predict's by up to " + maxDiff);
    }
    if (!problems.isEmpty()) {
      problems.stream().limit(10).forEach(System.err::println);
      System.err.println("SparkOutputCheck: " + problems.size() + " differences");
      System.exit(1);
    }
    System.out.printf(
        Locale.ROOT,
        "%d images, each once: top-%d names equal predict's, probabilities within %.1e of"
            + " predict's%n",
        rows.size(),
        printed.values().iterator().next().size(),
        maxDiff);
  }
}
