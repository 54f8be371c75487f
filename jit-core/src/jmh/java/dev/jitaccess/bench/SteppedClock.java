package dev.jitaccess.bench;

import dev.jitaccess.expiry.ObservableClock;
import dev.jitaccess.expiry.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A clock the benchmark moves, wall and monotonic together, telling the engine at once (so its expiry thread wakes
 * when the burst falls due, not at its next once-a-second wake). Thread-safe.
 */
final class SteppedClock extends Clock implements ObservableClock, Ticker {

  private volatile long millis = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  void advanceMillis(long delta) {
    millis += delta;
    listeners.forEach(Runnable::run);
  }

  @Override
  public long millis() {
    return millis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis);
  }

  @Override
  public long read() {
    return millis * 1_000_000;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the benchmark clock is UTC");
  }

  @Override
  public void addChangeListener(Runnable listener) {
    listeners.add(listener);
  }
}
