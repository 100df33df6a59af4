package io.densefractal.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarDatasetTest {
  @TempDir Path dir;

  @Test
  void cifar10ConcatenatesTheFiveTrainingBatches() throws IOException {
    TestFiles.cifar10Folder(dir, 3);
    ImageDataset[] splits = CifarDataset.cifar10(dir);
    ImageDataset train = splits[0];
    ImageDataset test = splits[1];
    assertThat(train.size()).isEqualTo(15);
    assertThat(test.size()).isEqualTo(3);
    assertThat(train.classes()).isEqualTo(TestFiles.CIFAR10_NAMES);
    assertThat(train.label(4)).isEqualTo(1); // second record of data_batch_2
    Image img = train.image(4);
    assertThat(img.channels()).isEqualTo(3);
    assertThat(img.height()).isEqualTo(32);
    assertThat(img.width()).isEqualTo(32);
    byte[] expected = Arrays.copyOfRange(TestFiles.pattern(3, 3, 32, 32), 3072, 6144);
    for (int i = 0; i < expected.length; i++) {
      expected[i] += 2; // data_batch_2 adds its number to the pattern
    }
    assertThat(img.pixels()).isEqualTo(expected);
    // Channel-major: the first 1024 bytes are red.
    assertThat(img.at(1, 0, 0)).isEqualTo(expected[1024] & 0xFF);
  }

  @Test
  void cifar100UsesTheFineLabel() throws IOException {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      names.add("class" + i);
    }
    Files.write(dir.resolve("fine_label_names.txt"), names);
    Files.write(dir.resolve("train.bin"), TestFiles.cifarRecords(new int[] {99, 42, 7}, 2, 0));
    Files.write(dir.resolve("test.bin"), TestFiles.cifarRecords(new int[] {5}, 2, 0));
    ImageDataset[] splits = CifarDataset.cifar100(dir);
    assertThat(splits[0].size()).isEqualTo(3);
    assertThat(new int[] {splits[0].label(0), splits[0].label(1), splits[0].label(2)})
        .containsExactly(99, 42, 7);
    assertThat(splits[1].classes()).hasSize(100).startsWith("class0");
    assertThat(splits[0].image(1).pixels())
        .isEqualTo(Arrays.copyOfRange(TestFiles.pattern(3, 3, 32, 32), 3072, 6144));
  }

  @Test
  void truncatedFileIsAFormatError() throws IOException {
    TestFiles.cifar10Folder(dir, 2);
    Path batch = dir.resolve("data_batch_3.bin");
    byte[] data = Files.readAllBytes(batch);
    Files.write(batch, Arrays.copyOf(data, data.length - 100));
    assertThatThrownBy(() -> CifarDataset.cifar10(dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("data_batch_3.bin")
        .hasMessageContaining("3073-byte");
  }

  @Test
  void cifar100FileReadAsCifar10IsCaught() throws IOException {
    Path f = dir.resolve("train.bin");
    Files.write(f, TestFiles.cifarRecords(new int[] {1, 2, 3}, 2, 0));
    assertThatThrownBy(() -> CifarDataset.read(List.of(f), 1, TestFiles.CIFAR10_NAMES))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("mixed up");
  }

  @Test
  void labelOutOfRangeNamesFileAndRecord() throws IOException {
    Path f = dir.resolve("test_batch.bin");
    Files.write(f, TestFiles.cifarRecords(new int[] {1, 12}, 1, 0));
    assertThatThrownBy(() -> CifarDataset.read(List.of(f), 1, TestFiles.CIFAR10_NAMES))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("test_batch.bin")
        .hasMessageContaining("record 1 has label 12");
  }

  @Test
  void classNamesAreCheckedAndMissingFilesNamed() throws IOException {
    TestFiles.cifar10Folder(dir, 1);
    Files.writeString(dir.resolve("batches.meta.txt"), "cat\ndog\n");
    assertThatThrownBy(() -> CifarDataset.cifar10(dir))
        .isInstanceOf(DatasetFormatException.class)
        .hasMessageContaining("names 2 classes, expected 10");
    Files.delete(dir.resolve("batches.meta.txt"));
    assertThatThrownBy(() -> CifarDataset.cifar10(dir))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("batches.meta.txt");
    TestFiles.cifar10Folder(dir, 1);
    Files.delete(dir.resolve("data_batch_5.bin"));
    assertThatThrownBy(() -> CifarDataset.cifar10(dir))
        .isInstanceOf(DatasetNotFoundException.class)
        .hasMessageContaining("data_batch_5.bin");
  }
}
