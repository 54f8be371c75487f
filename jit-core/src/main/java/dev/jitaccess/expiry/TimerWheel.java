package dev.jitaccess.expiry;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A hierarchical timer wheel: O(1) schedule, reschedule and cancel with no allocation, and an
 * {@link #advance} whose work is bounded by the number of buckets, however far time jumps.
 *
 * <h2>Layout</h2>
 * Level 0 has buckets of {@link #bucketSpanMillis()} (the largest power of two {@code <= tickMillis});
 * each higher level's buckets are 64 times wider. Every level has 64 buckets, so a level's occupancy
 * fits one {@code long} bitmap and finding the next non-empty bucket is a rotate plus
 * {@code numberOfTrailingZeros}. There are enough levels (at most {@value #MAX_LEVELS}) for the wheel to
 * span 2<sup>42</sup> buckets' worth of level-0 time, i.e. 139 years at a 1 ms tick. Later deadlines
 * (up to {@code Long.MAX_VALUE}) are parked in the top level and re-examined each time their bucket comes
 * around.
 *
 * <h2>Placement and why it is correct</h2>
 * A timer with deadline {@code d} goes to the lowest level {@code L} whose <em>parent</em> bucket (the
 * level {@code L+1} bucket) contains both {@code d} and {@link #currentTime()}, at slot
 * {@code (d >> shift(L)) & 63}. Hence, for every level but the top: all of a level's timers lie in the
 * current parent bucket, a level-{@code L > 0} timer is in a strictly later level-{@code L} bucket than
 * now, and the levels are ordered (every level-0 deadline precedes every level-1 deadline, and so on).
 * {@link #advance} moves time first, then walks each level from the top down over the buckets whose span
 * was entered (at most 64 per level, level 0 including the current one). Each timer it meets is fired if
 * its deadline is {@code <= now} and otherwise re-inserted relative to the new time, which moves it to a
 * finer level (the cascade) or leaves it parked. A timer in a bucket not walked has a deadline after
 * {@code now}, so: never early, never missed. A deadline already due when scheduled is placed in the
 * current level-0 bucket, which every advance walks.
 *
 * <h2>Threads</h2>
 * Not thread-safe and holds no lock: the owner serialises every call (ExpiryScheduler holds one lock
 * around each). A timer belongs to at most one wheel at a time.
 *
 * <p>Times are epoch milliseconds; signed shifts keep tick arithmetic monotonic, so negative times and
 * deadlines near {@code Long.MAX_VALUE} do not corrupt the wheel.
 */
public final class TimerWheel {

  static final int BUCKETS = 64;
  private static final int BUCKET_BITS = 6;
  private static final int MASK = BUCKETS - 1;
  /** 7 levels of 64 buckets cover 2^42 level-0 spans: 139 years at a 1 ms tick. */
  static final int MAX_LEVELS = 7;

  /**
   * Intrusive list node. Subclass it (the engine's per-grant object does), so scheduling allocates
   * nothing. Its links are package-private and owned by the wheel that scheduled it.
   */
  public abstract static class Timer {
    Timer prev;
    Timer next;
    /** The bucket holding this timer, {@code null} when not scheduled. */
    Bucket bucket;
    long deadline;

    protected Timer() {}

    /** The deadline (epoch millis) this timer was last scheduled for; kept after it fires or is cancelled. */
    public final long deadline() {
      return deadline;
    }

    /** Whether the timer is linked in a bucket, i.e. pending; false from just before its expiry callback. */
    public final boolean isScheduled() {
      return bucket != null;
    }
  }

  /** A bucket is the sentinel of a circular doubly linked list, so link and unlink have no edge cases. */
  static final class Bucket extends Timer {
    final TimerWheel wheel;
    final int level;
    final int slot;
    /** Lower bound of the deadlines linked here since the bucket was last empty (stale-low after cancel). */
    long minDeadline = Long.MAX_VALUE;

    Bucket(TimerWheel wheel, int level, int slot) {
      this.wheel = wheel;
      this.level = level;
      this.slot = slot;
      prev = this;
      next = this;
    }

    boolean isEmpty() {
      return next == this;
    }
  }

  private final Bucket[][] buckets;
  /** Per level: bit {@code s} set iff bucket {@code s} is non-empty. */
  private final long[] occupied;
  private final int[] shifts;
  private final int levels;
  private final long bucketSpan;

  private long currentTime;
  private int size;
  private boolean advancing;
  /** The first exception thrown by a callback during the current advance. */
  private RuntimeException failure;
  /** Buckets walked by {@link #advance}, for tests of the bounded catch-up. */
  long bucketsWalked;

  /**
   * @param tickMillis the resolution, {@code >= 1}; a timer fires at most one level-0 bucket span (at most
   *     one tick) after its deadline when advanced tick by tick
   * @param startMillis the initial {@link #currentTime()}
   */
  public TimerWheel(long tickMillis, long startMillis) {
    if (tickMillis < 1) {
      throw new IllegalArgumentException("tickMillis must be >= 1, was " + tickMillis);
    }
    bucketSpan = Long.highestOneBit(tickMillis);
    int shift0 = Long.numberOfTrailingZeros(bucketSpan);
    // The top level's parent shift (shift(top) + 6) is never used, but shift(top) must stay <= 62.
    levels = Math.max(1, Math.min(MAX_LEVELS, (62 - shift0) / BUCKET_BITS + 1));
    shifts = new int[levels];
    occupied = new long[levels];
    buckets = new Bucket[levels][BUCKETS];
    for (int level = 0; level < levels; level++) {
      shifts[level] = shift0 + level * BUCKET_BITS;
      for (int slot = 0; slot < BUCKETS; slot++) {
        buckets[level][slot] = new Bucket(this, level, slot);
      }
    }
    currentTime = startMillis;
  }

  /** The level-0 bucket span: the largest power of two {@code <= tickMillis}. */
  public long bucketSpanMillis() {
    return bucketSpan;
  }

  /** The time of the last {@link #advance} (or the start time); it never decreases. */
  public long currentTime() {
    return currentTime;
  }

  /** Number of scheduled timers. */
  public int size() {
    return size;
  }

  int levels() {
    return levels;
  }

  /**
   * Schedules {@code timer} for {@code deadlineMillis}, or moves it there if already scheduled. O(1), no
   * allocation. A deadline {@code <= currentTime()} fires at the next {@link #advance}.
   *
   * @throws IllegalArgumentException if the timer is scheduled in another wheel
   * @throws IllegalStateException if called from an expiry callback during {@link #advance}
   */
  public void schedule(Timer timer, long deadlineMillis) {
    Objects.requireNonNull(timer, "timer");
    if (timer instanceof Bucket) {
      throw new IllegalArgumentException("timer must not be a bucket");
    }
    checkNotAdvancing();
    Bucket current = timer.bucket;
    if (current != null) {
      if (current.wheel != this) {
        throw new IllegalArgumentException("timer is scheduled in another wheel");
      }
      unlink(timer);
    } else {
      size++;
    }
    timer.deadline = deadlineMillis;
    link(timer);
  }

  /** Unschedules {@code timer}. O(1). Returns false if it was not scheduled (in this wheel). */
  public boolean cancel(Timer timer) {
    Objects.requireNonNull(timer, "timer");
    Bucket current = timer.bucket;
    if (current == null || current.wheel != this || timer instanceof Bucket) {
      return false;
    }
    checkNotAdvancing();
    unlink(timer);
    size--;
    return true;
  }

  /**
   * Moves time to {@code nowMillis} and calls {@code onExpired} for every timer whose deadline is
   * {@code <= nowMillis}, and for no other. A lower {@code nowMillis} does not move time back: it is
   * treated as {@link #currentTime()} (timers already due still fire).
   *
   * <p>Each timer is unlinked before its callback, which runs synchronously inside this method and
   * must not touch the wheel (schedule or cancel throw {@link IllegalStateException}): collect the timers
   * and act on them afterwards. A callback that throws does not stop the others: the first exception
   * (others suppressed) is rethrown once the wheel is consistent again. Timers fired by one call come in
   * no particular order. Work is bounded by at most 64 buckets per level plus the timers met there, not
   * by the elapsed time.
   */
  public void advance(long nowMillis, Consumer<? super Timer> onExpired) {
    Objects.requireNonNull(onExpired, "onExpired");
    checkNotAdvancing();
    long previous = currentTime;
    long now = Math.max(nowMillis, previous);
    currentTime = now;
    advancing = true;
    failure = null;
    try {
      for (int level = levels - 1; level >= 0; level--) {
        int shift = shifts[level];
        long fromTick = previous >> shift;
        long toTick = now >> shift;
        // Level 0 includes the current bucket (it may hold timers due in it); higher levels never do.
        long first = level == 0 ? fromTick : fromTick + 1;
        long count = toTick - first + 1; // negative if an extreme jump overflows
        if (count <= 0 && first <= toTick) {
          count = BUCKETS;
        }
        if (count > BUCKETS) {
          count = BUCKETS;
        }
        for (long i = 0; i < count; i++) {
          walk(level, (int) ((first + i) & MASK), now, onExpired);
        }
      }
    } finally {
      advancing = false;
    }
    RuntimeException thrown = failure;
    failure = null;
    if (thrown != null) {
      throw thrown;
    }
  }

  /** Detaches a bucket and fires or re-inserts each of its timers. */
  private void walk(int level, int slot, long now, Consumer<? super Timer> onExpired) {
    bucketsWalked++;
    if ((occupied[level] & (1L << slot)) == 0) {
      return;
    }
    Bucket bucket = buckets[level][slot];
    Timer node = bucket.next;
    Timer last = bucket.prev;
    bucket.next = bucket;
    bucket.prev = bucket;
    bucket.minDeadline = Long.MAX_VALUE;
    occupied[level] &= ~(1L << slot);
    while (true) {
      Timer following = node.next;
      node.prev = null;
      node.next = null;
      node.bucket = null;
      if (node.deadline <= now) {
        size--;
        fire(node, onExpired);
      } else {
        link(node); // the cascade: relative to the new time, usually a finer level
      }
      if (node == last) {
        break;
      }
      node = following;
    }
  }

  /** Runs a callback; a failure is kept for the end of the advance so the wheel is never left half-walked. */
  private void fire(Timer timer, Consumer<? super Timer> onExpired) {
    try {
      onExpired.accept(timer);
    } catch (RuntimeException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
  }

  /**
   * A lower bound of the earliest deadline in the wheel, {@code Long.MAX_VALUE} when empty. It comes from
   * the earliest non-empty bucket: the lowest deadline linked there, but never before the time the bucket
   * is next walked (the start of its span) for levels above 0. So it is at most one bucket span of the
   * holding level below the earliest deadline (or at the start of a top-level bucket for parked timers),
   * and may be {@code <= currentTime()} when a due timer waits for the next advance.
   */
  public long nextFireTime() {
    if (size == 0) {
      return Long.MAX_VALUE;
    }
    int top = levels - 1;
    for (int level = 0; level < top; level++) {
      long mask = occupied[level];
      if (mask != 0) {
        long nowTick = currentTime >> shifts[level];
        int current = (int) (nowTick & MASK);
        int distance = Long.numberOfTrailingZeros(Long.rotateRight(mask, current));
        return lowerBound(level, (current + distance) & MASK, nowTick + distance);
      }
    }
    // Top level: parked timers break the ordering by slot, so take the minimum over its buckets.
    long mask = occupied[top];
    long nowTick = currentTime >> shifts[top];
    int current = (int) (nowTick & MASK);
    long best = Long.MAX_VALUE;
    while (mask != 0) {
      int slot = Long.numberOfTrailingZeros(mask);
      mask &= mask - 1;
      int distance = (slot - current) & MASK;
      if (distance == 0 && top > 0) {
        distance = BUCKETS; // a top-level timer is never in the current top-level bucket's span
      }
      best = Math.min(best, lowerBound(top, slot, nowTick + distance));
    }
    return best;
  }

  /** Bucket ticks of non-empty buckets never exceed their timers' ticks, so the shift cannot overflow. */
  private long lowerBound(int level, int slot, long tick) {
    long min = buckets[level][slot].minDeadline;
    return level == 0 ? min : Math.max(min, tick << shifts[level]);
  }

  private void link(Timer timer) {
    long deadline = timer.deadline;
    long now = currentTime;
    long time = Math.max(deadline, now); // a due timer goes to the current level-0 bucket
    int top = levels - 1;
    int level = 0;
    while (level < top && ((time ^ now) >> (shifts[level] + BUCKET_BITS)) != 0) {
      level++;
    }
    int slot = (int) ((time >> shifts[level]) & MASK);
    Bucket bucket = buckets[level][slot];
    Timer tail = bucket.prev;
    timer.prev = tail;
    timer.next = bucket;
    tail.next = timer;
    bucket.prev = timer;
    timer.bucket = bucket;
    if (deadline < bucket.minDeadline) {
      bucket.minDeadline = deadline;
    }
    occupied[level] |= 1L << slot;
  }

  private void unlink(Timer timer) {
    Bucket bucket = timer.bucket;
    timer.prev.next = timer.next;
    timer.next.prev = timer.prev;
    timer.prev = null;
    timer.next = null;
    timer.bucket = null;
    if (bucket.isEmpty()) {
      bucket.minDeadline = Long.MAX_VALUE;
      occupied[bucket.level] &= ~(1L << bucket.slot);
    }
  }

  private void checkNotAdvancing() {
    if (advancing) {
      throw new IllegalStateException("the wheel must not be used from an expiry callback");
    }
  }
}
