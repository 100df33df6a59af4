package io.densefractal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import io.densefractal.files.RunLock;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.npy.Npy;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input suite: every case of {@link BadInputCases} run through the CLI in-process, each
 * checked for its exit code, exactly one line on stderr (no stack trace, no class name, no file
 * expanded into it), its inputs byte-identical afterwards, no file left in its output folder, and a
 * bounded time. Heavy and process-level cases are in {@link ProcessFaultsTest}.
 */
class BadInputSuiteTest {
  private static final long MAX_SECONDS = 60;

  @TempDir static Path root;
  private static Path fx;
  private static final Map<String, String> VARS = new HashMap<>();
  private static final AtomicInteger COUNTER = new AtomicInteger();
  // kind, case, exit code, stderr: written to target/reliability/bad-input.tsv for review.
  private static final List<String> REPORT = java.util.Collections.synchronizedList(new ArrayList<>());

  @AfterAll
  static void writeReport() throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "reliability"));
    Files.write(dir.resolve("bad-input.tsv"), REPORT);
  }

  @BeforeAll
  static void fixtures() throws Exception {
    fx = Files.createDirectories(root.resolve("fx"));
    put("fx", fx);
    float[] ramp = new float[3 * 32 * 32];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = (float) Math.sin(i * 0.37);
    }
    Path x3 = npy("x3.npy", new long[] {1, 3, 32, 32}, ramp);
    npy("x1.npy", new long[] {3, 1, 32, 32}, ramp);
    float[] nan = ramp.clone();
    nan[5] = Float.NaN;
    npy("nan.npy", new long[] {1, 3, 32, 32}, nan);
    float[] inf = ramp.clone();
    inf[7] = Float.POSITIVE_INFINITY;
    npy("inf.npy", new long[] {1, 3, 32, 32}, inf);
    inf[7] = Float.NEGATIVE_INFINITY;
    npy("ninf.npy", new long[] {1, 3, 32, 32}, inf);
    Npy.write(Tensor.ofLongs(new long[] {1, 3, 4, 4}, new long[48]), file("int.npy"));
    npy("dims5.npy", new long[] {1, 1, 3, 32, 32}, ramp);
    npy("zero.npy", new long[] {0, 3, 32, 32}, new float[0]);
    cut(x3, "halfnpy.npy");
    Files.write(file("bigheader.npy"), npyHeader("(100000, 3, 224, 224)"));
    Files.createLink(file("x3link.npy"), x3);
    Files.createSymbolicLink(file("x3sym.npy"), x3);

    Path pth = file("w.pth");
    CliTest.writeRandomWeights(pth);
    Path safetensors = file("w.safetensors");
    CliTest.Result imported =
        CliTest.run(
            "import", "-m", "resnet20_cifar", "--in-channels", "1", "--from", pth.toString(),
            "--to", safetensors.toString());
    assertThat(imported.code()).as(imported.err()).isZero();
    Files.createLink(file("pthlink.pth"), pth);
    Files.createSymbolicLink(file("safetensorssym.safetensors"), safetensors);
    cut(pth, "halfpth.pth");
    cut(safetensors, "halfsafetensors.safetensors");
    Files.writeString(file("garbage"), "this is not what the command reads\n");
    Files.write(file("empty"), new byte[0]);
    Files.createDirectories(file("dir"));
    put("missing", fx.resolve("missing.bin"));

    Path png = file("img.png");
    ImageIO.write(noise(32, 32), "png", png.toFile());
    Path bigPng = fx.resolve("big.png");
    ImageIO.write(noise(96, 96), "png", bigPng.toFile());
    Path bigJpg = fx.resolve("big.jpg");
    ImageIO.write(noise(96, 96), "jpg", bigJpg.toFile());
    cut(bigPng, "halfpng.png");
    cut(bigJpg, "halfjpg.jpg");
    Files.write(file("hugepng.png"), hugePng(100_000, 100_000));
    writeYcckLike(file("ycck.jpg"));

    Path imgs = file("imgs");
    for (String c : List.of("a", "b")) {
      Files.createDirectories(imgs.resolve(c));
      for (int i = 0; i < 3; i++) {
        ImageIO.write(noise(8, 8), "png", imgs.resolve(c).resolve(i + ".png").toFile());
      }
    }
    Files.createDirectories(file("busy"));
    Files.writeString(file("keep.onnx"), "an earlier export, kept by a refused one");

    Path run = file("run");
    CliTest.Result train =
        CliTest.run(
            "train", "-m", "resnet20_cifar", "--data", "demo", "--limit-train", "64",
            "--limit-test", "32", "--epochs", "1", "--batch-size", "32", "--out", run.toString());
    assertThat(train.code()).as(train.err()).isZero();
    Files.createLink(file("bestlink.safetensors"), run.resolve("checkpoint-best.safetensors"));
  }

  @TestFactory
  Stream<DynamicTest> badInputIsRefusedCleanly() {
    List<BadInputCases.Case> cases = BadInputCases.all();
    assertThat(cases).hasSizeGreaterThanOrEqualTo(300);
    return cases.stream()
        .map(c -> dynamicTest(c.kind() + ": " + c.name(), () -> check(c)));
  }

  private static void check(BadInputCases.Case c) throws Exception {
    Path out = Files.createDirectories(root.resolve("out").resolve("" + COUNTER.incrementAndGet()));
    String[] args =
        c.args().stream().map(a -> a == null ? null : expand(a, out)).toArray(String[]::new);
    Map<String, String> before = hashes(fx);
    long t0 = System.nanoTime();
    CliTest.Result r;
    if (c.lock() != null) {
      try (RunLock held = RunLock.acquire(Path.of(expand(c.lock(), out)))) {
        r = CliTest.run(args);
      }
    } else {
      r = CliTest.run(args);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    REPORT.add(
        String.join(
            "\t",
            c.kind(),
            c.name(),
            String.valueOf(r.code()),
            String.format(java.util.Locale.ROOT, "%.2f", seconds),
            r.err().strip()));
    String what = String.join(" ", args) + "\nstderr: " + r.err();
    assertThat(r.code()).as(what).isEqualTo(c.code());
    assertThat(r.err()).as(what).startsWith("error: ").hasLineCount(1);
    assertThat(r.err()).as(what).doesNotContain("\tat ").doesNotContain("root:x:");
    assertThat(r.err())
        .as("%s: no class names", what)
        .doesNotContainPattern("\\b[A-Z][A-Za-z]*(Exception|Error)\\b")
        .doesNotContainPattern("\\b(java|ai\\.djl|io\\.densefractal)\\.[a-z]");
    assertThat(r.err().toLowerCase()).as(what).contains(c.message().toLowerCase());
    assertThat(hashes(fx)).as("%s: inputs unchanged", what).isEqualTo(before);
    try (Stream<Path> left = Files.walk(out)) {
      assertThat(left.filter(p -> !p.equals(out)).toList()).as("%s: no partial output", what).isEmpty();
    }
    assertThat(seconds).as(what).isLessThan(MAX_SECONDS);
  }

  private static String expand(String arg, Path out) {
    String s = arg.replace("{out}", out.toString());
    for (Map.Entry<String, String> v : VARS.entrySet()) {
      s = s.replace("{" + v.getKey() + "}", v.getValue());
    }
    return s;
  }

  /** Every fixture file's SHA-256 by path (the run's lock file aside: the lock is ours). */
  private static Map<String, String> hashes(Path dir) throws IOException {
    Map<String, String> h = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.toList()) {
        if (p.getFileName().toString().equals(RunLock.FILE)) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          h.put(dir.relativize(p) + " ->", Files.readSymbolicLink(p).toString());
        } else if (Files.isRegularFile(p)) {
          h.put(dir.relativize(p).toString(), sha256(Files.readAllBytes(p)));
        } else {
          h.put(dir.relativize(p) + "/", "");
        }
      }
    }
    return h;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static Path file(String name) {
    Path p = fx.resolve(name);
    String key = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    if (name.equals("w.pth")) {
      key = "pth";
    } else if (name.equals("w.safetensors")) {
      key = "safetensors";
    } else if (name.equals("img.png")) {
      key = "png";
    }
    put(key, p);
    return p;
  }

  private static void put(String key, Path p) {
    VARS.put(key, p.toString());
  }

  private static Path npy(String name, long[] shape, float[] values) {
    Path p = file(name);
    Npy.write(Tensor.ofFloats(shape, values), p);
    return p;
  }

  private static void cut(Path from, String name) throws IOException {
    byte[] b = Files.readAllBytes(from);
    Files.write(file(name), java.util.Arrays.copyOf(b, b.length * 6 / 10));
  }

  private static byte[] npyHeader(String shape) {
    String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    int total = 10 + dict.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 16);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    b.put((byte) (header.length() & 0xff)).put((byte) (header.length() >> 8));
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    return b.array();
  }

  private static BufferedImage noise(int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Random r = new Random(w * 31L + h);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    return img;
  }

  /** A PNG whose header claims {@code w}×{@code h} pixels, with one tiny data chunk. */
  static byte[] hugePng(int w, int h) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h);
    ihdr.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data)
      throws IOException {
    out.write(ByteBuffer.allocate(4).putInt(data.length).array());
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /**
   * A JPEG with an Adobe marker saying YCCK (transform 2) in front of a CMYK scan: refused, as no
   * YCCK conversion is checked against PIL.
   */
  private static void writeYcckLike(Path file) throws IOException {
    java.awt.image.WritableRaster r =
        java.awt.image.Raster.createInterleavedRaster(
            java.awt.image.DataBuffer.TYPE_BYTE, 16, 16, 4, null);
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    var writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (var o = ImageIO.createImageOutputStream(jpeg)) {
      writer.setOutput(o);
      writer.write(null, new javax.imageio.IIOImage(r, null, null), null);
    } finally {
      writer.dispose();
    }
    byte[] b = jpeg.toByteArray();
    // APP14 "Adobe": version 100, flags 0, 0, transform 2; right after SOI.
    byte[] app14 = {
      (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2
    };
    List<Byte> all = new ArrayList<>();
    byte[] withMarker = new byte[b.length + app14.length];
    System.arraycopy(b, 0, withMarker, 0, 2);
    System.arraycopy(app14, 0, withMarker, 2, app14.length);
    System.arraycopy(b, 2, withMarker, 2 + app14.length, b.length - 2);
    Files.write(file, withMarker);
  }
}
