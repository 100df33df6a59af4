// Writes an image folder (one sub-folder per class) as a Parquet table of labelled images, the
// training data `densefractal spark train --data TABLE` reads: columns image (the file's bytes) and
// label (the class folder's name), rows in the folder's order, PARTS part files.
//   java <Spark's --add-opens> -cp "<the launcher's Spark class path>" \
//     bench/ImagesToParquet.java FOLDER OUT.parquet [PARTS=4]
import io.densefractal.data.ImageFolderDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

public class ImagesToParquet {
  public static void main(String[] args) throws Exception {
    ImageFolderDataset folder = ImageFolderDataset.scan(Path.of(args[0]));
    int parts = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    List<Row> rows = new ArrayList<>(folder.size());
    for (int i = 0; i < folder.size(); i++) {
      rows.add(
          RowFactory.create(
              Files.readAllBytes(folder.file(i)), folder.classes().get(folder.label(i))));
    }
    StructType schema =
        new StructType()
            .add("image", DataTypes.BinaryType, false)
            .add("label", DataTypes.StringType, false);
    SparkSession spark =
        SparkSession.builder()
            .master("local[1]")
            .appName("images to parquet")
            .config("spark.ui.enabled", "false")
            .getOrCreate();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      spark.createDataFrame(sc.parallelize(rows, parts), schema).write().parquet(args[1]);
      System.out.println(
          args[1]
              + ": "
              + rows.size()
              + " images, "
              + folder.classes().size()
              + " classes, "
              + parts
              + " part files");
    } finally {
      spark.stop();
    }
  }
}
