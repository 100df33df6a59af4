package io.densefractal.spark.parquet;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonSyntaxException;
import io.densefractal.data.DatasetFormatException;
import io.densefractal.data.DatasetNotFoundException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * The rows of one Parquet table of labelled images, read whole: an {@code image} column of encoded
 * image bytes (binary, or Hugging Face's struct with a {@code bytes} field) and a {@code label}
 * column (a class name, or a class index). A table is one file or a folder of part files, as Spark
 * writes it; part files are read in name order, so every JVM numbers the rows alike.
 *
 * <p>Only the two columns are read. The image bytes stay encoded in memory (each image is decoded
 * when a batch needs it, as an image folder's files are); the table's own metadata says how many
 * bytes that is before any is read, and a table that would take more than half the heap is refused.
 *
 * @param source the table as the user named it (messages name it so)
 * @param images each row's encoded image
 * @param names each row's label as a class name, or null where the labels are indices
 * @param indices each row's label as a class index, or null where they are names
 * @param classNames the class names the table's metadata gives for index labels (Hugging Face's
 *     {@code ClassLabel}), or empty
 */
record ParquetImageTable(
    String source,
    List<byte[]> images,
    List<String> names,
    int[] indices,
    List<String> classNames) {
  static final String IMAGE = "image";
  static final String LABEL = "label";

  /**
   * Reads table {@code table}.
   *
   * @throws DatasetNotFoundException when it does not exist
   * @throws DatasetFormatException when it lacks the columns, has no rows, or is too large
   */
  static ParquetImageTable read(String table, long memoryBudget) {
    Configuration conf = new Configuration();
    return read(table, files(table, conf), conf, memoryBudget);
  }

  /**
   * Reads the split {@code split} of a Hugging Face dataset folder: its files {@code
   * <split>-00000-of-0000N.parquet}, in name order.
   */
  static ParquetImageTable readSplit(String folder, String split, long memoryBudget) {
    Configuration conf = new Configuration();
    List<Path> files = splitFiles(folder, split, conf);
    if (files.isEmpty()) {
      throw new DatasetNotFoundException(
          folder + " has no " + split + "-*.parquet files; give a Parquet table or such a folder");
    }
    return read(folder + "/" + split + "-*.parquet", files, conf, memoryBudget);
  }

  /** The files {@code <split>-*.parquet} of {@code folder}, in name order (none: empty). */
  static List<Path> splitFiles(String folder, String split, Configuration conf) {
    Path path = new Path(folder);
    try {
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.getFileStatus(path).isDirectory()) {
        return List.of();
      }
      return Arrays.stream(fs.listStatus(path))
          .filter(e -> e.isFile())
          .map(FileStatus::getPath)
          .filter(p -> p.getName().startsWith(split + "-") && dataFile(p.getName()))
          .sorted(Comparator.comparing(Path::getName))
          .toList();
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new DatasetFormatException("cannot list " + folder + ": " + oneLine(e), e);
    }
  }

  private static ParquetImageTable read(
      String table, List<Path> files, Configuration conf, long memoryBudget) {
    long rows = 0;
    long imageBytes = 0;
    MessageType schema = null;
    Optional<List<String>> classNames = Optional.empty();
    for (Path f : files) {
      ParquetMetadata footer = footer(f, conf);
      MessageType s = footer.getFileMetaData().getSchema();
      if (schema == null) {
        schema = s;
        classNames = huggingFaceNames(footer.getFileMetaData().getKeyValueMetaData());
      } else if (!schema.equals(s)) {
        throw new DatasetFormatException(
            "the part files of Parquet table " + table + " have different schemas (" + f + ")");
      }
      for (BlockMetaData block : footer.getBlocks()) {
        rows += block.getRowCount();
        for (ColumnChunkMetaData c : block.getColumns()) {
          if (c.getPath().toArray()[0].equals(IMAGE)) {
            imageBytes += c.getTotalUncompressedSize();
          }
        }
      }
    }
    Columns columns = Columns.of(schema, table);
    if (rows == 0) {
      throw new DatasetFormatException("Parquet table " + table + " has no rows");
    }
    if (imageBytes > memoryBudget || rows > Integer.MAX_VALUE - 8) {
      throw new DatasetFormatException(
          String.format(
              Locale.ROOT,
              "Parquet table %s holds %,d MB of images, more than this JVM may keep in memory"
                  + " (%,d MB: half its heap); give the driver and executors more memory"
                  + " (--conf spark.driver.memory / spark.executor.memory) or train on a part",
              table,
              imageBytes >> 20,
              memoryBudget >> 20));
    }
    List<byte[]> images = new ArrayList<>((int) rows);
    List<String> names = columns.namedLabels() ? new ArrayList<>((int) rows) : null;
    int[] indices = columns.namedLabels() ? null : new int[(int) rows];
    conf.set(ReadSupport.PARQUET_READ_SCHEMA, columns.projection().toString());
    for (Path f : files) {
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), f).withConf(conf).build()) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          int row = images.size();
          images.add(columns.image(g, table, row));
          if (names != null) {
            names.add(columns.name(g, table, row));
          } else {
            indices[row] = columns.index(g, table, row);
          }
        }
      } catch (IOException | RuntimeException e) {
        if (e instanceof DatasetFormatException d) {
          throw d;
        }
        throw new DatasetFormatException("cannot read Parquet file " + f + ": " + oneLine(e), e);
      }
    }
    if (images.size() != rows) {
      throw new DatasetFormatException(
          "Parquet table " + table + " changed while it was read (" + rows + " rows expected)");
    }
    return new ParquetImageTable(table, images, names, indices, classNames.orElse(List.of()));
  }

  /** The table's data files: itself, or the part files of its folder in name order. */
  private static List<Path> files(String table, Configuration conf) {
    Path path = new Path(table);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(path);
      if (status.isFile()) {
        return List.of(status.getPath());
      }
      FileStatus[] entries = fs.listStatus(path);
      List<Path> parts =
          Arrays.stream(entries)
              .filter(e -> e.isFile() && dataFile(e.getPath().getName()))
              .map(FileStatus::getPath)
              .sorted(Comparator.comparing(Path::getName))
              .toList();
      if (parts.isEmpty()) {
        boolean partitioned =
            Arrays.stream(entries)
                .anyMatch(e -> e.isDirectory() && e.getPath().getName().contains("="));
        throw new DatasetFormatException(
            "Parquet table "
                + table
                + (partitioned
                    ? " is partitioned into column=value folders; write it unpartitioned"
                    : " is a folder without .parquet part files; give a Parquet file or a folder"
                        + " of them as Spark writes it"));
      }
      return parts;
    } catch (FileNotFoundException e) {
      throw new DatasetNotFoundException(
          "Parquet table " + table + " does not exist; give an existing .parquet file or folder");
    } catch (IOException e) {
      throw new DatasetFormatException("cannot list Parquet table " + table + ": " + oneLine(e), e);
    }
  }

  private static boolean dataFile(String name) {
    return name.endsWith(".parquet") && !name.startsWith("_") && !name.startsWith(".");
  }

  private static ParquetMetadata footer(Path file, Configuration conf) {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getFooter();
    } catch (IOException | RuntimeException e) {
      throw new DatasetFormatException(file + " is not a readable Parquet file: " + oneLine(e), e);
    }
  }

  /**
   * The class names Hugging Face's {@code datasets} keeps in the file's metadata for a {@code
   * ClassLabel} column: {"info": {"features": {"label": {"names": [...]}}}}.
   */
  static Optional<List<String>> huggingFaceNames(Map<String, String> keyValues) {
    String json = keyValues.get("huggingface");
    if (json == null) {
      return Optional.empty();
    }
    try {
      JsonElement label =
          JsonParser.parseString(json)
              .getAsJsonObject()
              .getAsJsonObject("info")
              .getAsJsonObject("features")
              .get(LABEL);
      if (label == null || !label.isJsonObject()) {
        return Optional.empty();
      }
      JsonObject o = label.getAsJsonObject();
      if (!o.has("names") || !o.get("names").isJsonArray()) {
        return Optional.empty();
      }
      List<String> names = new ArrayList<>();
      o.getAsJsonArray("names").forEach(n -> names.add(n.getAsString()));
      return Optional.of(List.copyOf(names));
    } catch (JsonSyntaxException
        | IllegalStateException
        | ClassCastException
        | NullPointerException e) {
      return Optional.empty(); // metadata we do not understand: the labels stay indices
    }
  }

  static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replaceAll("\\s+", " ").strip();
  }

  /** Where the two columns are and how their values are read. */
  private record Columns(Type image, Type label, boolean namedLabels) {
    static Columns of(MessageType schema, String table) {
      Type image = field(schema, IMAGE, table);
      Type label = field(schema, LABEL, table);
      boolean bytes =
          image.isPrimitive()
              ? image.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.BINARY
              : structWithBytes(image.asGroupType());
      if (!bytes || image.isRepetition(Type.Repetition.REPEATED)) {
        throw new DatasetFormatException(
            "column '"
                + IMAGE
                + "' of Parquet table "
                + table
                + " is "
                + image.toString().strip()
                + "; it must hold the encoded JPEG/PNG bytes: binary, or a struct with a binary"
                + " 'bytes' field (as Hugging Face writes images)");
      }
      PrimitiveTypeName kind =
          label.isPrimitive() && !label.isRepetition(Type.Repetition.REPEATED)
              ? label.asPrimitiveType().getPrimitiveTypeName()
              : null;
      if (kind != PrimitiveTypeName.BINARY
          && kind != PrimitiveTypeName.INT32
          && kind != PrimitiveTypeName.INT64) {
        throw new DatasetFormatException(
            "column '"
                + LABEL
                + "' of Parquet table "
                + table
                + " is "
                + label.toString().strip()
                + "; it must hold a class name (string) or a class index (integer)");
      }
      return new Columns(image, label, kind == PrimitiveTypeName.BINARY);
    }

    private static Type field(MessageType schema, String name, String table) {
      if (schema.containsField(name)) {
        return schema.getType(name);
      }
      for (Type t : schema.getFields()) {
        if (t.getName().equalsIgnoreCase(name)) {
          return t;
        }
      }
      List<String> have = schema.getFields().stream().map(Type::getName).toList();
      throw new DatasetFormatException(
          "Parquet table "
              + table
              + " has no '"
              + name
              + "' column (it has "
              + String.join(", ", have)
              + "); training reads columns 'image' (JPEG/PNG bytes) and 'label' (class name or"
              + " index): rename them, e.g. with Spark's withColumnRenamed");
    }

    private static boolean structWithBytes(GroupType g) {
      return g.containsField("bytes")
          && g.getType("bytes").isPrimitive()
          && g.getType("bytes").asPrimitiveType().getPrimitiveTypeName()
              == PrimitiveTypeName.BINARY;
    }

    MessageType projection() {
      return new MessageType("images", image, label);
    }

    byte[] image(Group g, String table, int row) {
      String column = image.getName();
      if (g.getFieldRepetitionCount(column) == 0) {
        throw missing(table, row, column);
      }
      if (image.isPrimitive()) {
        return g.getBinary(column, 0).getBytes();
      }
      Group struct = g.getGroup(column, 0);
      if (struct.getFieldRepetitionCount("bytes") == 0) {
        throw missing(table, row, column + ".bytes");
      }
      return struct.getBinary("bytes", 0).getBytes();
    }

    String name(Group g, String table, int row) {
      if (g.getFieldRepetitionCount(label.getName()) == 0) {
        throw missing(table, row, label.getName());
      }
      return g.getString(label.getName(), 0);
    }

    int index(Group g, String table, int row) {
      String column = label.getName();
      if (g.getFieldRepetitionCount(column) == 0) {
        throw missing(table, row, column);
      }
      long v =
          label.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.INT32
              ? g.getInteger(column, 0)
              : g.getLong(column, 0);
      if (v < 0 || v > Integer.MAX_VALUE - 1) {
        throw new DatasetFormatException(
            "row "
                + row
                + " of Parquet table "
                + table
                + " has label "
                + v
                + "; an index label must be 0 or more");
      }
      return (int) v;
    }

    private static DatasetFormatException missing(String table, int row, String column) {
      return new DatasetFormatException(
          "row "
              + row
              + " of Parquet table "
              + table
              + " has no "
              + column
              + " (null); remove or fill such rows");
    }
  }
}
