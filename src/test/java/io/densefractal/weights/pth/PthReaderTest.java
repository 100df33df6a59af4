package io.densefractal.weights.pth;

import static io.densefractal.weights.Fixtures.assertStateDict;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.weights.Fixtures;
import io.densefractal.weights.StateDict;
import io.densefractal.weights.Tensor;
import io.densefractal.weights.WeightsFormatException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PthReaderTest {
  @TempDir Path dir;

  @Test
  void readsZipFormatExactlyAsTorch() {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_zip.pth"));
    assertStateDict(sd, Fixtures.expected("state_dict_expected.json"));
  }

  @Test
  void readsLegacyFormatExactlyAsTorch() {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_legacy.pth"));
    assertStateDict(sd, Fixtures.expected("state_dict_expected.json"));
  }

  @Test
  void readsBigEndianZip() {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_bigendian.pth"));
    assertStateDict(sd, Fixtures.expected("state_dict_expected.json"));
  }

  @Test
  void readsLegacyStorageViews() {
    StateDict sd = PthReader.read(Fixtures.path("legacy_storage_views.pth"));
    assertStateDict(sd, Fixtures.expected("legacy_storage_views_expected.json"));
  }

  @Test
  void unwrapsCheckpointAndStripsDataParallelPrefix() {
    StateDict sd = PthReader.read(Fixtures.path("checkpoint_module.pth"));
    assertStateDict(sd, Fixtures.expected("state_dict_expected.json"));
  }

  @Test
  void keepsScalarsViewsAndSharedStorages() {
    StateDict sd = PthReader.read(Fixtures.path("state_dict_zip.pth"));
    assertThat(sd.get("1.num_batches_tracked").shape()).isEmpty();
    assertThat(sd.get("1.num_batches_tracked").toLongArray()).containsExactly(7);
    assertThat(sd.get("fc.weight_t").toFloatArray())
        .containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
    assertThat(sd.get("shared.b").toFloatArray()).containsExactly(1.5f, 2f, 2.5f, 3f, 3.5f, 4f);
    assertThat(sd.get("expanded").toFloatArray()).containsExactly(1, 2, 3, 1, 2, 3);
    assertThat(sd.get("sliced").toFloatArray()).containsExactly(5, 7, 9, 10, 12, 14);
  }

  @Test
  void readObjectReturnsTheWholeCheckpointTree() {
    Object root = PthReader.readObject(Fixtures.path("checkpoint_module.pth"));
    assertThat(root).isInstanceOf(Map.class);
    Map<?, ?> checkpoint = (Map<?, ?>) root;
    assertThat(checkpoint.keySet().stream().map(Object::toString))
        .containsExactly("epoch", "arch", "state_dict", "best_acc1", "optimizer");
    assertThat(checkpoint.get("epoch")).isEqualTo(3);
    assertThat(checkpoint.get("best_acc1")).isInstanceOf(Tensor.class);
    Map<?, ?> optimizer = (Map<?, ?>) checkpoint.get("optimizer");
    List<?> groups = (List<?>) optimizer.get("param_groups");
    assertThat(((Map<?, ?>) groups.get(0)).get("lr")).isEqualTo(0.1);
    Map<?, ?> sd = (Map<?, ?>) checkpoint.get("state_dict");
    assertThat(sd.keySet().iterator().next()).isEqualTo("module.0.weight");
    assertThat(sd.values()).allMatch(v -> v instanceof Tensor);
  }

  @Test
  void readObjectHandlesBigIntegers() throws IOException {
    byte[] pkl =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT)
            .str("big")
            .raw(new byte[] {(byte) 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1})
            .op(PickleBuilder.SETITEM, PickleBuilder.STOP)
            .bytes();
    Path file = write("big.pth", TorchFiles.zip(pkl, Map.of()));
    Map<?, ?> root = (Map<?, ?>) PthReader.readObject(file);
    assertThat(root.get("big")).isEqualTo(BigInteger.ONE.shiftLeft(64));
  }

  @Test
  void namesTopLevelKeysWhenThereAreNoTensors() throws IOException {
    byte[] pkl =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            .str("epoch")
            .integer(3)
            .str("arch")
            .str("resnet")
            .op(PickleBuilder.SETITEMS, PickleBuilder.STOP)
            .bytes();
    Path file = write("no_tensors.pth", TorchFiles.zip(pkl, Map.of()));
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("no tensors")
        .hasMessageContaining("'epoch'")
        .hasMessageContaining("'arch'");
  }

  @Test
  void rejectsViewsOutsideTheirStorage() throws IOException {
    byte[] pkl =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            .str("w")
            .rebuildTensor("FloatStorage", "0", 4, 2, new long[] {2, 2}, new long[] {2, 1})
            .op(PickleBuilder.SETITEMS, PickleBuilder.STOP)
            .bytes();
    Path file = write("outside.pth", TorchFiles.zip(pkl, Map.of("0", new byte[16])));
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("reaches element 5 of a storage with only 4 elements");
  }

  @Test
  void rejectsStorageRecordOfTheWrongSize() throws IOException {
    Path file =
        write(
            "short.pth",
            TorchFiles.zip(PickleBuilder.singleTensorDict("w", 4), Map.of("0", new byte[12])));
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("holds 12 bytes but the pickle declares 4 float32 elements");
  }

  @Test
  void rejectsMissingStorageRecord() throws IOException {
    Path file =
        write("missing.pth", TorchFiles.zip(PickleBuilder.singleTensorDict("w", 4), Map.of()));
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("archive/data/0 is missing");
  }

  @Test
  void refusesHugeExpandedViewsOfTinyStorages() throws IOException {
    byte[] pkl =
        PickleBuilder.proto(2)
            .op(PickleBuilder.EMPTY_DICT, PickleBuilder.MARK)
            .str("w")
            .rebuildTensor(
                "FloatStorage", "0", 1, 0, new long[] {1 << 14, 1 << 10}, new long[] {0, 0})
            .op(PickleBuilder.SETITEMS, PickleBuilder.STOP)
            .bytes();
    Path file = write("expand.pth", TorchFiles.zip(pkl, Map.of("0", new byte[4])));
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("refusing to allocate");
  }

  @Test
  void explainsTorchScriptArchives() throws IOException {
    ByteArrayZip zip = new ByteArrayZip();
    Path file =
        write(
            "scripted.pt",
            zip.with("archive/data.pkl", new byte[] {'.'})
                .with("archive/constants.pkl", new byte[] {'.'})
                .bytes());
    assertThatThrownBy(() -> PthReader.read(file))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("TorchScript");
  }

  @Test
  void reportsMissingFilesAndDirectories() {
    assertThatThrownBy(() -> PthReader.read(dir.resolve("nope.pth")))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("no such file");
    assertThatThrownBy(() -> PthReader.read(dir))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("is a directory");
  }

  @Test
  void reportsNonTorchFiles() throws IOException {
    Path text = write("notes.pth", "hello".getBytes());
    assertThatThrownBy(() -> PthReader.read(text))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("is not a torch.save file");
    assertThatThrownBy(() -> PthReader.read(Fixtures.path("state_dict.safetensors")))
        .hasMessageContaining("SafeTensors.read");
    Path empty = write("empty.pth", new byte[0]);
    assertThatThrownBy(() -> PthReader.read(empty))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("empty");
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, bytes);
    return file;
  }
}
