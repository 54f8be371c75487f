package dev.jitaccess.expiry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TimerWheelTest {

  private static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
  private static final long DAY = Duration.ofDays(1).toMillis();
  private static final long YEAR = 365 * DAY;

  static final class TestTimer extends TimerWheel.Timer {
    final int id;
    long firedAt = Long.MIN_VALUE;
    int fireCount;

    TestTimer(int id) {
      this.id = id;
    }

    @Override
    public String toString() {
      return "T" + id + "@" + deadline();
    }
  }

  private final List<TestTimer> fired = new ArrayList<>();

  private void advance(TimerWheel wheel, long now) {
    wheel.advance(now, t -> {
      TestTimer timer = (TestTimer) t;
      assertThat(timer.isScheduled()).as("unlinked before its callback").isFalse();
      timer.firedAt = wheel.currentTime();
      timer.fireCount++;
      fired.add(timer);
    });
  }

  @Test
  void constructorWhenTickBelowOneThenRejectsNamingTickMillis() {
    assertThatThrownBy(() -> new TimerWheel(0, START))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tickMillis");
    assertThatThrownBy(() -> new TimerWheel(-5, START)).hasMessageContaining("tickMillis");
  }

  @Test
  void bucketSpanIsLargestPowerOfTwoNotAboveTick() {
    assertThat(new TimerWheel(1, START).bucketSpanMillis()).isEqualTo(1);
    assertThat(new TimerWheel(10, START).bucketSpanMillis()).isEqualTo(8);
    assertThat(new TimerWheel(1000, START).bucketSpanMillis()).isEqualTo(512);
    assertThat(new TimerWheel(Long.MAX_VALUE, START).bucketSpanMillis()).isEqualTo(1L << 62);
  }

  /** The oracle test: random deadlines (past, near, far, beyond the top level), cancels, reschedules, jumps. */
  @ParameterizedTest
  @ValueSource(longs = {1, 10, 1000})
  void advanceFiresExactlyTheDueTimersNeverEarlyNeverLate(long tick) {
    Random random = new Random(42 + tick);
    TimerWheel wheel = new TimerWheel(tick, START);
    List<TestTimer> timers = new ArrayList<>();
    Set<TestTimer> pending = new HashSet<>();
    for (int i = 0; i < 3_000; i++) {
      timers.add(new TestTimer(i));
    }
    long now = START;
    for (int round = 0; round < 1_500; round++) {
      for (int op = 0; op < 5; op++) {
        TestTimer timer = timers.get(random.nextInt(timers.size()));
        if (random.nextInt(4) == 0) {
          assertThat(wheel.cancel(timer)).isEqualTo(pending.remove(timer));
        } else {
          wheel.schedule(timer, randomDeadline(random, now));
          pending.add(timer);
        }
      }
      assertThat(wheel.size()).isEqualTo(pending.size());
      long requested = now + randomStep(random);
      fired.clear();
      advance(wheel, requested);
      now = Math.max(now, requested); // a backward step does not move time back
      assertThat(wheel.currentTime()).isEqualTo(now);

      Set<TestTimer> expected = new HashSet<>();
      for (TestTimer timer : pending) {
        if (timer.deadline() <= now) {
          expected.add(timer);
        }
      }
      assertThat(fired).as("round %d at %d", round, now).doesNotHaveDuplicates();
      assertThat(new HashSet<>(fired)).as("round %d at %d", round, now).isEqualTo(expected);
      pending.removeAll(expected);
      assertThat(wheel.size()).isEqualTo(pending.size());

      long earliest = pending.stream().mapToLong(TestTimer::deadline).min().orElse(Long.MAX_VALUE);
      long next = wheel.nextFireTime();
      assertThat(next).as("lower bound").isLessThanOrEqualTo(earliest);
      if (!pending.isEmpty()) {
        // Not absurdly early: within the holding bucket, whose span is below the distance from now
        // unless it is a level-0 bucket (then within one level-0 span).
        assertThat(earliest - next).isLessThan(Math.max(wheel.bucketSpanMillis(), earliest - now));
      }
    }
  }

  private static long randomDeadline(Random random, long now) {
    if (random.nextInt(8) == 0) {
      return Long.MAX_VALUE - random.nextInt(1000); // near overflow
    }
    return now + randomDelay(random);
  }

  private static long randomDelay(Random random) {
    switch (random.nextInt(7)) {
      case 0: return -random.nextInt(10_000);                       // already due
      case 1: return random.nextInt(100);                           // this bucket or the next
      case 2: return random.nextInt(10_000);
      case 3: return random.nextInt(5_000_000);
      case 4: return (long) (random.nextDouble() * 30 * DAY);
      case 5: return (long) (random.nextDouble() * 300 * YEAR);    // beyond the top level
      default: return random.nextInt(2_000_000);
    }
  }

  private static long randomStep(Random random) {
    switch (random.nextInt(10)) {
      case 0: return 0;
      case 1: return -random.nextInt(5_000); // a backward step is ignored
      case 2: return random.nextInt(10 * (int) DAY);
      case 3: return random.nextInt(100) == 0 ? 50 * YEAR : random.nextInt(300_000);
      default: return random.nextInt(2_000);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 10, 1000})
  void advancedTickByTickFiresWithinOneBucketSpanOfDeadline(long tick) {
    Random random = new Random(7);
    TimerWheel wheel = new TimerWheel(tick, START);
    List<TestTimer> timers = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      TestTimer timer = new TestTimer(i);
      wheel.schedule(timer, START + random.nextInt(3_000 * (int) tick));
      timers.add(timer);
    }
    long span = wheel.bucketSpanMillis();
    for (long now = START; wheel.size() > 0; now += span) {
      advance(wheel, now);
    }
    for (TestTimer timer : timers) {
      assertThat(timer.fireCount).isEqualTo(1);
      assertThat(timer.firedAt - timer.deadline()).isBetween(0L, span - 1);
    }
  }

  @Test
  void advanceWhenDeadlineNotReachedThenDoesNotFire() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer timer = new TestTimer(1);
    wheel.schedule(timer, START + 100);
    advance(wheel, START + 99);
    assertThat(fired).isEmpty();
    advance(wheel, START + 100);
    assertThat(fired).containsExactly(timer);
    assertThat(timer.isScheduled()).isFalse();
    assertThat(wheel.size()).isZero();
  }

  @Test
  void scheduleWhenDeadlineAlreadyDueThenFiresAtNextAdvance() {
    TimerWheel wheel = new TimerWheel(10, START);
    advance(wheel, START + 5_000);
    TestTimer past = new TestTimer(1);
    TestTimer now = new TestTimer(2);
    wheel.schedule(past, START);
    wheel.schedule(now, START + 5_000);
    assertThat(wheel.nextFireTime()).isLessThanOrEqualTo(START);
    advance(wheel, START + 5_000);
    assertThat(fired).containsExactlyInAnyOrder(past, now);
  }

  @Test
  void cancelPreventsFiringAndReturnsFalseWhenNotScheduled() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer near = new TestTimer(1);
    TestTimer far = new TestTimer(2);
    wheel.schedule(near, START + 10);
    wheel.schedule(far, START + 10 * DAY);
    assertThat(wheel.cancel(near)).isTrue();
    assertThat(wheel.cancel(far)).isTrue();
    assertThat(wheel.cancel(far)).isFalse();
    assertThat(wheel.cancel(new TestTimer(3))).isFalse();
    assertThat(wheel.size()).isZero();
    assertThat(wheel.nextFireTime()).isEqualTo(Long.MAX_VALUE);
    advance(wheel, START + 20 * DAY);
    assertThat(fired).isEmpty();
  }

  @Test
  void rescheduleEarlierAcrossLevelsFiresAtNewDeadline() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer timer = new TestTimer(1);
    wheel.schedule(timer, START + 3 * DAY);
    wheel.schedule(timer, START + 50);
    assertThat(wheel.size()).isEqualTo(1);
    advance(wheel, START + 49);
    assertThat(fired).isEmpty();
    advance(wheel, START + 50);
    assertThat(fired).containsExactly(timer);
    advance(wheel, START + 4 * DAY);
    assertThat(fired).containsExactly(timer);
  }

  @Test
  void rescheduleLaterAcrossLevelsPostponesFiring() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer timer = new TestTimer(1);
    wheel.schedule(timer, START + 50);
    advance(wheel, START + 40);
    wheel.schedule(timer, START + 3 * DAY); // an extension
    advance(wheel, START + 50);
    advance(wheel, START + DAY);
    advance(wheel, START + 3 * DAY - 1);
    assertThat(fired).isEmpty();
    advance(wheel, START + 3 * DAY);
    assertThat(fired).containsExactly(timer);
  }

  @Test
  void delaysBeyondTheTopLevelFireExactlyWhenDueAndNotBefore() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer years = new TestTimer(1);
    TestTimer nearMax = new TestTimer(2);
    TestTimer max = new TestTimer(3);
    wheel.schedule(years, START + 500 * YEAR + 123);
    wheel.schedule(nearMax, Long.MAX_VALUE - 1_000);
    wheel.schedule(max, Long.MAX_VALUE);
    for (long now = START; now < START + 500 * YEAR; now += 7 * YEAR + 12_345) {
      advance(wheel, now);
    }
    advance(wheel, START + 500 * YEAR + 122);
    assertThat(fired).isEmpty();
    advance(wheel, START + 500 * YEAR + 123);
    assertThat(fired).containsExactly(years);

    advance(wheel, Long.MAX_VALUE - 1_001);
    assertThat(fired).containsExactly(years);
    advance(wheel, Long.MAX_VALUE - 1_000);
    assertThat(fired).containsExactly(years, nearMax);
    advance(wheel, Long.MAX_VALUE - 1);
    assertThat(fired).containsExactly(years, nearMax);
    advance(wheel, Long.MAX_VALUE);
    assertThat(fired).containsExactly(years, nearMax, max);
    assertThat(wheel.size()).isZero();
  }

  @Test
  void manyTimersInOneBucketAllFire() {
    TimerWheel wheel = new TimerWheel(10, START);
    List<TestTimer> timers = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      TestTimer timer = new TestTimer(i);
      wheel.schedule(timer, START + 1_000 + (i % 8)); // one 8 ms level-0 bucket once cascaded
      timers.add(timer);
    }
    assertThat(wheel.size()).isEqualTo(10_000);
    advance(wheel, START + 1_000 + 3);
    assertThat(fired).hasSize(4 * 1_250);
    advance(wheel, START + 1_000 + 7);
    assertThat(fired).hasSize(10_000).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(timers);
    assertThat(wheel.size()).isZero();
  }

  @Test
  void clockJumpOfDaysFiresAllDueAtOnceWalkingABoundedNumberOfBuckets() {
    TimerWheel wheel = new TimerWheel(1, START);
    Random random = new Random(3);
    List<TestTimer> due = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      TestTimer timer = new TestTimer(i);
      wheel.schedule(timer, START + (long) (random.nextDouble() * 10 * DAY));
      due.add(timer);
    }
    TestTimer later = new TestTimer(-1);
    wheel.schedule(later, START + 10 * DAY + 1);
    wheel.bucketsWalked = 0;
    advance(wheel, START + 10 * DAY);
    assertThat(fired).containsExactlyInAnyOrderElementsOf(due);
    // 10 days are 864 million 1 ms ticks; the walk is at most 64 buckets per level.
    assertThat(wheel.bucketsWalked).isLessThanOrEqualTo((long) TimerWheel.BUCKETS * wheel.levels());
    assertThat(later.isScheduled()).isTrue();

    wheel.bucketsWalked = 0;
    advance(wheel, START + 200 * YEAR);
    assertThat(later.fireCount).isEqualTo(1);
    assertThat(wheel.bucketsWalked).isLessThanOrEqualTo((long) TimerWheel.BUCKETS * wheel.levels());
  }

  @Test
  void backwardAdvanceIsIgnoredButAlreadyDueTimersStillFire() {
    TimerWheel wheel = new TimerWheel(1, START);
    advance(wheel, START + 1_000);
    TestTimer future = new TestTimer(1);
    TestTimer due = new TestTimer(2);
    wheel.schedule(future, START + 1_500);
    wheel.schedule(due, START + 800);
    advance(wheel, START + 500);
    assertThat(wheel.currentTime()).isEqualTo(START + 1_000);
    assertThat(fired).containsExactly(due);
    advance(wheel, START + 1_499);
    assertThat(fired).containsExactly(due);
    advance(wheel, START + 1_500);
    assertThat(fired).containsExactly(due, future);
  }

  @Test
  void nextFireTimeIsALowerBoundWithinOneBucketSpanOfTheHoldingLevel() {
    TimerWheel wheel = new TimerWheel(1, 0);
    assertThat(wheel.nextFireTime()).isEqualTo(Long.MAX_VALUE);
    TestTimer a = new TestTimer(1);
    TestTimer b = new TestTimer(2);
    TestTimer c = new TestTimer(3);
    wheel.schedule(a, 5); // level 0 (1 ms buckets): exact
    assertThat(wheel.nextFireTime()).isEqualTo(5);
    wheel.cancel(a);
    wheel.schedule(b, 100); // level 1 (64 ms buckets): bucket [64, 128)
    wheel.schedule(c, 120);
    assertThat(wheel.nextFireTime()).isEqualTo(100);
    wheel.cancel(b); // the bucket's bound goes stale, but stays in [bucket start, earliest]
    assertThat(wheel.nextFireTime()).isBetween(64L, 120L);
    advance(wheel, 64); // cascades c to level 0, where the bound is exact again
    assertThat(wheel.nextFireTime()).isEqualTo(120);
    wheel.schedule(a, 10 * YEAR);
    wheel.cancel(c);
    assertThat(wheel.nextFireTime()).isLessThanOrEqualTo(10 * YEAR).isGreaterThan(64);
  }

  @Test
  void sizeCountsScheduledTimersOnce() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer a = new TestTimer(1);
    TestTimer b = new TestTimer(2);
    wheel.schedule(a, START + 10);
    wheel.schedule(a, START + 20);
    wheel.schedule(b, START + 30);
    assertThat(wheel.size()).isEqualTo(2);
    assertThat(a.isScheduled()).isTrue();
    assertThat(a.deadline()).isEqualTo(START + 20);
    advance(wheel, START + 25);
    assertThat(wheel.size()).isEqualTo(1);
    wheel.cancel(b);
    assertThat(wheel.size()).isZero();
  }

  @Test
  void callbackTouchingTheWheelIsRejected() {
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer timer = new TestTimer(1);
    wheel.schedule(timer, START);
    assertThatThrownBy(() -> wheel.advance(START, t -> wheel.schedule(t, START + 10)))
        .isInstanceOf(IllegalStateException.class);
    wheel.schedule(timer, START + 10); // usable again afterwards
    assertThat(wheel.size()).isEqualTo(1);
  }

  @Test
  void timerScheduledInAnotherWheelIsRejected() {
    TimerWheel one = new TimerWheel(1, START);
    TimerWheel two = new TimerWheel(1, START);
    TestTimer timer = new TestTimer(1);
    one.schedule(timer, START + 10);
    assertThatThrownBy(() -> two.schedule(timer, START + 10)).isInstanceOf(IllegalArgumentException.class);
    assertThat(two.cancel(timer)).isFalse();
    assertThat(one.size()).isEqualTo(1);
  }

  @Test
  void negativeTimesAndExtremeJumpsDoNotCorruptTheWheel() {
    TimerWheel wheel = new TimerWheel(1, -10_000);
    List<TestTimer> timers = new ArrayList<>();
    long[] deadlines = {-9_000, -1, 0, 1, 5_000, YEAR, Long.MAX_VALUE - 5};
    for (int i = 0; i < deadlines.length; i++) {
      TestTimer timer = new TestTimer(i);
      wheel.schedule(timer, deadlines[i]);
      timers.add(timer);
    }
    advance(wheel, -1);
    assertThat(fired).containsExactlyInAnyOrder(timers.get(0), timers.get(1));
    advance(wheel, Long.MAX_VALUE - 6);
    assertThat(fired).hasSize(deadlines.length - 1);
    advance(wheel, Long.MAX_VALUE);
    assertThat(fired).containsExactlyInAnyOrderElementsOf(timers);

    TimerWheel extreme = new TimerWheel(1, Long.MIN_VALUE);
    TestTimer first = new TestTimer(100);
    TestTimer last = new TestTimer(101);
    extreme.schedule(first, Long.MIN_VALUE + 1);
    extreme.schedule(last, Long.MAX_VALUE);
    fired.clear();
    advance(extreme, Long.MAX_VALUE - 1);
    assertThat(fired).containsExactly(first);
    advance(extreme, Long.MAX_VALUE);
    assertThat(fired).containsExactly(first, last);
  }

  /**
   * Measured with HotSpot's per-thread allocation counter; skipped where it is unsupported. The bound
   * (64 KiB over 200k operations) tolerates counter noise yet fails at a single small object per call.
   */
  @Test
  void scheduleRescheduleAndCancelAllocateNothing() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    assumeTrue(bean instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
    assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled());
    TimerWheel wheel = new TimerWheel(1, START);
    TestTimer[] timers = new TestTimer[1_000];
    for (int i = 0; i < timers.length; i++) {
      timers[i] = new TestTimer(i);
    }
    long threadId = Thread.currentThread().getId();
    churn(wheel, timers); // warm-up, so the JIT has compiled the paths
    long before = threads.getThreadAllocatedBytes(threadId);
    churn(wheel, timers);
    long allocated = threads.getThreadAllocatedBytes(threadId) - before;
    assertThat(allocated).isLessThan(64 * 1024);
  }

  private static void churn(TimerWheel wheel, TestTimer[] timers) {
    long x = 12345;
    for (int i = 0; i < 100_000; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L; // an inline LCG: Random would be fine too
      TestTimer timer = timers[i % timers.length];
      long deadline = START + ((x >>> 20) % (30 * DAY));
      wheel.schedule(timer, deadline); // schedule or reschedule
      if ((x & 3) == 0) {
        wheel.cancel(timer);
      }
    }
  }
}
