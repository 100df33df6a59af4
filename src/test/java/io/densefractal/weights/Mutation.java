package io.densefractal.weights;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** A corruption applied to a valid file: truncation, bit flips, or a hostile 4/8-byte value. */
interface Mutation {
  /** Values that break naive length handling: sign bits, 2^31, 2^32-1, 2^63-1, 2^40. */
  List<Long> NASTY_VALUES =
      List.of(
          0L,
          1L,
          -1L,
          0x7fffffffL,
          0x80000000L,
          0xffffffffL,
          1L << 40,
          Long.MAX_VALUE,
          Long.MIN_VALUE,
          0x100000000L,
          100_000_001L);

  byte[] apply(byte[] original);

  /**
   * Positions are drawn wide and reduced modulo the file length, so one arbitrary fits all files.
   */
  static Arbitrary<Mutation> any() {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, 1 << 20);
    Arbitrary<Mutation> truncate = position.map(Truncate::new);
    Arbitrary<Mutation> flip =
        Combinators.combine(position, Arbitraries.integers().between(0, 7))
            .as(BitFlip::new)
            .list()
            .ofMinSize(1)
            .ofMaxSize(8)
            .map(flips -> (Mutation) new BitFlips(flips));
    Arbitrary<Long> value = Arbitraries.oneOf(Arbitraries.of(NASTY_VALUES), Arbitraries.longs());
    Arbitrary<Mutation> overwrite =
        Combinators.combine(position, Arbitraries.of(4, 8), value).as(Overwrite::new);
    return Arbitraries.oneOf(truncate, flip, overwrite);
  }

  record Truncate(int at) implements Mutation {
    @Override
    public byte[] apply(byte[] original) {
      return Arrays.copyOf(original, at % Math.max(1, original.length));
    }
  }

  record BitFlip(int at, int bit) {}

  record BitFlips(List<BitFlip> flips) implements Mutation {
    @Override
    public byte[] apply(byte[] original) {
      byte[] b = original.clone();
      for (BitFlip f : flips) {
        b[f.at() % b.length] ^= (byte) (1 << f.bit());
      }
      return b;
    }
  }

  record Overwrite(int at, int width, long value) implements Mutation {
    @Override
    public byte[] apply(byte[] original) {
      byte[] b = original.clone();
      int start = at % Math.max(1, b.length - width + 1);
      for (int i = 0; i < width && start + i < b.length; i++) {
        b[start + i] = (byte) (value >>> (8 * i));
      }
      return b;
    }
  }
}
