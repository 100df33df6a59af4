package io.densefractal.weights;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.densefractal.weights.npy.Npy;
import io.densefractal.weights.pth.PthReader;
import io.densefractal.weights.pth.TorchFiles;
import io.densefractal.weights.safetensors.SafeTensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Corrupted files must either read or fail with WeightsFormatException: no other exception, no
 * OutOfMemoryError, no hang. Every try runs under a hard timeout.
 */
class MalformedFilePropertiesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final byte[] ZIP_PTH = Fixtures.bytes("state_dict_zip.pth");
  private static final byte[] LEGACY_PTH = Fixtures.bytes("state_dict_legacy.pth");
  private static final byte[] LEGACY_VIEWS_PTH = Fixtures.bytes("legacy_storage_views.pth");
  private static final byte[] SAFETENSORS = Fixtures.bytes("state_dict.safetensors");

  @Provide
  Arbitrary<Mutation> mutations() {
    return Mutation.any();
  }

  /** Protocol 2 (torch's default) and protocol 4 (FRAME, MEMOIZE, STACK_GLOBAL). */
  @Provide
  Arbitrary<String> zipFixtures() {
    return Arbitraries.of("state_dict_zip", "extras_protocol4");
  }

  @Provide
  Arbitrary<String> npyFixtures() {
    return Arbitraries.of(
        "f4_le", "f8_be", "i8_le", "b1", "scalar_f4", "vector_i8", "f4_v2", "f4_v3", "empty_f4");
  }

  @Property(tries = 300)
  void zipPth(@ForAll("mutations") Mutation m) {
    assertOnlyFormatErrors(m.apply(ZIP_PTH), PthReader::read);
  }

  /** Mutates data.pkl but re-zips it with a valid CRC, so the unpickler sees every mutation. */
  @Property(tries = 500)
  void pickleInsideValidZip(
      @ForAll("mutations") Mutation m, @ForAll("zipFixtures") String fixture) {
    Map<String, byte[]> storages = new LinkedHashMap<>();
    byte[] pickle = zipRecords(fixture, storages);
    byte[] file = TorchFiles.zip(m.apply(pickle), storages);
    assertOnlyFormatErrors(file, PthReader::readObject);
  }

  @Property(tries = 400)
  void legacyPth(@ForAll("mutations") Mutation m) {
    assertOnlyFormatErrors(m.apply(LEGACY_PTH), PthReader::read);
  }

  @Property(tries = 200)
  void legacyPthWithStorageViews(@ForAll("mutations") Mutation m) {
    assertOnlyFormatErrors(m.apply(LEGACY_VIEWS_PTH), PthReader::readObject);
  }

  @Property(tries = 400)
  void safetensors(@ForAll("mutations") Mutation m) {
    assertOnlyFormatErrors(m.apply(SAFETENSORS), SafeTensors::read);
  }

  @Property(tries = 300)
  void npy(@ForAll("npyFixtures") String name, @ForAll("mutations") Mutation m) {
    assertOnlyFormatErrors(m.apply(Fixtures.bytes("npy/" + name + ".npy")), Npy::read);
  }

  @Property(tries = 300)
  void autoDetection(@ForAll("mutations") Mutation m, @ForAll int which) {
    byte[][] bases = {ZIP_PTH, LEGACY_PTH, SAFETENSORS};
    assertOnlyFormatErrors(m.apply(bases[Math.floorMod(which, bases.length)]), WeightFiles::read);
  }

  static void assertOnlyFormatErrors(byte[] bytes, Consumer<Path> reader) {
    Path file;
    try {
      file = Files.createTempFile("mutated", ".bin");
      Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      assertTimeoutPreemptively(
          TIMEOUT,
          () -> {
            try {
              reader.accept(file);
            } catch (WeightsFormatException expected) {
              // The one allowed way to fail.
            }
          });
    } finally {
      try {
        Files.deleteIfExists(file);
      } catch (IOException ignored) {
        // A leftover temp file must not mask the property's verdict.
      }
    }
  }

  /** data.pkl of a zip fixture; fills {@code storages} with its data records by key. */
  private static byte[] zipRecords(String fixture, Map<String, byte[]> storages) {
    String prefix = fixture + "/";
    try (ZipFile zip = new ZipFile(Fixtures.path(fixture + ".pth").toFile())) {
      byte[] pickle = null;
      for (ZipEntry e : Collections.list(zip.entries())) {
        byte[] data = zip.getInputStream(e).readAllBytes();
        if (e.getName().equals(prefix + "data.pkl")) {
          pickle = data;
        } else if (e.getName().startsWith(prefix + "data/")) {
          storages.put(e.getName().substring((prefix + "data/").length()), data);
        }
      }
      return pickle;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
