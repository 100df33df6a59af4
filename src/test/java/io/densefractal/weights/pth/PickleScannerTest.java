package io.densefractal.weights.pth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.densefractal.weights.WeightsFormatException;
import io.densefractal.weights.io.BoundedInput;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class PickleScannerTest {
  @Test
  void stopsExactlyAfterStopSoConsecutivePicklesSplit() {
    byte[] first = PickleBuilder.proto(2).str("a").op(PickleBuilder.STOP).bytes();
    byte[] second = PickleBuilder.proto(2).integer(1001).op(PickleBuilder.STOP).bytes();
    BoundedInput in = input(concat(first, second));
    assertThat(PickleScanner.scan(in, "t")).isEqualTo(first);
    assertThat(PickleScanner.scan(in, "t")).isEqualTo(second);
    assertThat(in.remaining()).isZero();
  }

  @Test
  void rejectsUnknownOpcodes() {
    assertThatThrownBy(
            () -> PickleScanner.scan(input(new byte[] {(byte) 0x80, 2, (byte) 0xff}), "t"))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("unknown pickle opcode 0xff at offset 2");
  }

  @Test
  void rejectsLengthsBeyondTheData() {
    byte[] hugeString = {(byte) 0x80, 2, 'X', 0, 0, (byte) 0xff, 0x7f, 'a', '.'};
    assertThatThrownBy(() -> PickleScanner.scan(input(hugeString), "t"))
        .isInstanceOf(WeightsFormatException.class)
        .hasMessageContaining("needs 2147418112 bytes");
    byte[] negativeLong4 = {
      (byte) 0x80, 2, (byte) 0x8b, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, '.'
    };
    assertThatThrownBy(() -> PickleScanner.scan(input(negativeLong4), "t"))
        .hasMessageContaining("negative length");
    byte[] bigFrame = {(byte) 0x80, 4, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0, 1, '.'};
    assertThatThrownBy(() -> PickleScanner.scan(input(bigFrame), "t"))
        .hasMessageContaining("pickle frame needs 72057594037927936 bytes");
    byte[] bytes8 = {(byte) 0x80, 4, (byte) 0x8e, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80, '.'};
    assertThatThrownBy(() -> PickleScanner.scan(input(bytes8), "t"))
        .hasMessageContaining("negative length");
  }

  @Test
  void rejectsMissingStopAndNewlines() {
    assertThatThrownBy(() -> PickleScanner.scan(input(new byte[] {(byte) 0x80, 2, 'N'}), "t"))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> PickleScanner.scan(input("cos\nsystem".getBytes()), "t"))
        .hasMessageContaining("no terminating newline");
  }

  @Test
  void capsTextNumbersLikeCpython() {
    byte[] digits = ("L" + "9".repeat(5000) + "\n.").getBytes();
    assertThatThrownBy(() -> PickleScanner.scan(input(digits), "t"))
        .hasMessageContaining("longer than 4300 characters");
  }

  @Test
  void rejectsFutureProtocols() {
    assertThatThrownBy(() -> PickleScanner.scan(input(new byte[] {(byte) 0x80, 6, '.'}), "t"))
        .hasMessageContaining("unsupported pickle protocol 6");
  }

  private static BoundedInput input(byte[] b) {
    return new BoundedInput(new ByteArrayInputStream(b), b.length, "test");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
