package io.densefractal.train;

/**
 * Derives independent seeds from the run's seed and a position (epoch, step), so that any epoch's
 * data order, augmentation and dropout can be replayed without saving generator states: a resumed
 * run draws exactly what an uninterrupted one would.
 */
final class Seeds {
  static final long DATA_ORDER = 1;
  static final long AUGMENTATION = 2;
  static final long ENGINE = 3;

  private Seeds() {}

  /** A well-mixed 64-bit seed for (seed, stream, index) (SplitMix64's finaliser). */
  static long mix(long seed, long stream, long index) {
    long z =
        seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
