package dev.jitaccess.testing;

import dev.jitaccess.expiry.ObservableClock;
import dev.jitaccess.expiry.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A manually driven clock for tests, published in jit-core's test-jar. Thread-safe.
 *
 * <p>It drives both the wall clock and the monotonic clock ({@link Ticker}) the engine measures durations on.
 * Time moving forward ({@link #advance}, or {@link #set} to a later instant) moves both: real time passes. A
 * wall clock set or advanced backwards, and every {@link #step}, moves the wall clock alone, as a bad NTP answer,
 * its correction or a VM resumed later do; the monotonic clock never goes back.
 *
 * <p>Time moves only when told. After every change the listeners are called synchronously on the changing
 * thread, so an engine using this clock re-reads it before {@link #advance} returns instead of up to a second
 * later. A throwing listener does not stop the others; once all have run, the first failure is rethrown (later
 * ones suppressed), because a broken listener in a test should fail the test.
 */
public final class ManualClock extends Clock implements ObservableClock, Ticker {

  /** 2026-01-01T00:00:00Z, a fixed and readable start. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  /** The wall clock and the monotonic reading, changed together. */
  private record Time(Instant wall, long nanos) {}

  private final AtomicReference<Time> now;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** A clock at {@link #DEFAULT_START}. */
  public ManualClock() {
    this(DEFAULT_START);
  }

  public ManualClock(Instant start) {
    now = new AtomicReference<>(new Time(Objects.requireNonNull(start, "start"), 0));
  }

  @Override
  public Instant instant() {
    return now.get().wall();
  }

  @Override
  public long millis() {
    return now.get().wall().toEpochMilli();
  }

  /** The monotonic clock, in nanoseconds from an arbitrary origin: what {@link #advance} has moved forward. */
  @Override
  public long read() {
    return now.get().nanos();
  }

  /** UTC. */
  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  /** A view in {@code zone} that shares this clock's time (advancing either moves both). */
  @Override
  public Clock withZone(ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    return ZoneOffset.UTC.equals(zone) ? this : new ZonedView(zone);
  }

  /**
   * Lets {@code delta} of real time pass (wall and monotonic clock), then notifies the listeners; a negative
   * {@code delta} steps the wall clock back instead, as {@link #step} does.
   */
  public void advance(Duration delta) {
    Objects.requireNonNull(delta, "delta");
    now.updateAndGet(t -> new Time(t.wall().plus(delta), delta.isNegative() ? t.nanos() : t.nanos() + delta.toNanos()));
    notifyListeners();
  }

  /**
   * Steps the wall clock alone by {@code delta}, either way, as a bad NTP answer, its correction or a VM resumed
   * later do: no real time passes. Then notifies the listeners.
   */
  public void step(Duration delta) {
    Objects.requireNonNull(delta, "delta");
    now.updateAndGet(t -> new Time(t.wall().plus(delta), t.nanos()));
    notifyListeners();
  }

  /**
   * Sets the wall clock, then notifies the listeners: a later instant lets the time in between pass (as
   * {@link #advance} does), an earlier one steps the wall clock back.
   */
  public void set(Instant time) {
    Objects.requireNonNull(time, "time");
    now.updateAndGet(t -> new Time(time, time.isAfter(t.wall())
        ? t.nanos() + Duration.between(t.wall(), time).toNanos() : t.nanos()));
    notifyListeners();
  }

  /** Called after every change, on the thread that made it. */
  @Override
  public void addChangeListener(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public String toString() {
    return "ManualClock[" + now.get().wall() + "]";
  }

  private void notifyListeners() {
    RuntimeException failure = null;
    for (Runnable listener : listeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private final class ZonedView extends Clock implements Ticker {
    private final ZoneId zone;

    ZonedView(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId other) {
      return ManualClock.this.withZone(other);
    }

    @Override
    public Instant instant() {
      return ManualClock.this.instant();
    }

    @Override
    public long millis() {
      return ManualClock.this.millis();
    }

    @Override
    public long read() {
      return ManualClock.this.read();
    }

    @Override
    public String toString() {
      return "ManualClock[" + instant() + ", " + zone + "]";
    }
  }
}
