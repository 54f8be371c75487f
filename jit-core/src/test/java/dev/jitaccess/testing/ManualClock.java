package dev.jitaccess.testing;

import dev.jitaccess.expiry.ObservableClock;
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
 * <p>Time moves only when told, and may be set backwards, to test that the engine ignores that. After
 * every change the listeners are called synchronously on the changing thread, so an engine using this
 * clock re-reads it before {@link #advance} returns instead of up to a second later. A throwing listener
 * does not stop the others; once all have run, the first failure is rethrown (later ones suppressed),
 * because a broken listener in a test should fail the test.
 */
public final class ManualClock extends Clock implements ObservableClock {

  /** 2026-01-01T00:00:00Z, a fixed and readable start. */
  public static final Instant DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z");

  private final AtomicReference<Instant> now;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** A clock at {@link #DEFAULT_START}. */
  public ManualClock() {
    this(DEFAULT_START);
  }

  public ManualClock(Instant start) {
    now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  @Override
  public Instant instant() {
    return now.get();
  }

  @Override
  public long millis() {
    return now.get().toEpochMilli();
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

  /** Moves the time by {@code delta}, which may be negative (a step back), then notifies the listeners. */
  public void advance(Duration delta) {
    Objects.requireNonNull(delta, "delta");
    now.updateAndGet(t -> t.plus(delta));
    notifyListeners();
  }

  /** Sets the time, forwards or backwards, then notifies the listeners. */
  public void set(Instant time) {
    Objects.requireNonNull(time, "time");
    now.set(time);
    notifyListeners();
  }

  /** Called after every change, on the thread that made it. */
  @Override
  public void addChangeListener(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  @Override
  public String toString() {
    return "ManualClock[" + now.get() + "]";
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

  private final class ZonedView extends Clock {
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
    public String toString() {
      return "ManualClock[" + instant() + ", " + zone + "]";
    }
  }
}
