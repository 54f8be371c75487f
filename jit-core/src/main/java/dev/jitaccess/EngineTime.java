package dev.jitaccess;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The engine's notion of now: the largest instant the injected clock has shown, in milliseconds.
 *
 * <p>A wall clock stepped backwards therefore cannot lengthen a grant; one stepped forwards ends grants early,
 * the safe side. Read by every thread; the shared field is written only when the clock moved forward (at most
 * once per millisecond in practice), so concurrent checks do not contend on it.
 */
final class EngineTime {

  private final Clock clock;
  private final AtomicLong latest = new AtomicLong(Long.MIN_VALUE);

  EngineTime(Clock clock) {
    this.clock = clock;
  }

  long millis() {
    long observed = clock.millis();
    long seen = latest.get();
    while (observed > seen) {
      if (latest.compareAndSet(seen, observed)) {
        return observed;
      }
      seen = latest.get();
    }
    return seen;
  }

  Instant now() {
    return Instant.ofEpochMilli(millis());
  }

  Clock clock() {
    return clock;
  }
}
