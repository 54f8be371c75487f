package dev.jitaccess.bench;

import java.util.SplittableRandom;

/** The delay distributions of issue 3, pre-generated with a fixed seed so every peer sees the same deadlines. */
final class Delays {

  static final long SECOND = 1_000;
  static final long MINUTE = 60 * SECOND;
  static final long HOUR = 60 * MINUTE;
  static final long DAY = 24 * HOUR;

  /** Size of every pre-generated table: a power of two, indexed with a mask. */
  static final int SIZE = 1 << 20;
  static final int MASK = SIZE - 1;
  static final long SEED = 0x5EED_1A7E_2026L;

  private Delays() {}

  /**
   * {@code fixed5m}: 5 min; {@code uniform}: 1 s to 1 h; {@code bimodal}: 90% 5 min, 10% 24 h; {@code week}: 7 to
   * 14 days (beyond a week). Milliseconds.
   */
  static long[] generate(String distribution, int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    long[] delays = new long[size];
    for (int i = 0; i < size; i++) {
      delays[i] = switch (distribution) {
        case "fixed5m" -> 5 * MINUTE;
        case "uniform" -> SECOND + random.nextLong(HOUR - SECOND + 1);
        case "bimodal" -> random.nextInt(10) == 0 ? DAY : 5 * MINUTE;
        case "week" -> 7 * DAY + random.nextLong(7 * DAY);
        default -> throw new IllegalArgumentException("unknown distribution " + distribution);
      };
    }
    return delays;
  }

  static long[] generate(String distribution) {
    return generate(distribution, SIZE, SEED);
  }
}
