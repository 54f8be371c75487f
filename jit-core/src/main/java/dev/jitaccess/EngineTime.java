package dev.jitaccess;

import dev.jitaccess.expiry.Ticker;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's notion of time: a monotonic {@link Ticker} anchored to the injected wall clock. One anchor gives
 * two readings:
 *
 * <ul>
 *   <li>{@link #millis()}, <em>engine time</em>: the anchor's time plus what the ticker measured since, plus every
 *       forward step of the clock. It never goes back and never runs slower than real time, so a deadline on it
 *       (a grant's end, a timer, the staleness bound) can only come sooner than planned: a wall clock stepped back
 *       never lengthens one, a clock stepped forward ends it early, the safe side. The expiry wheel runs on it.
 *   <li>{@link #now()} / {@link #wallMillis()}, <em>wall time</em>: engine time minus every backward step seen
 *       ({@link #behind()}). This is what the engine writes down (a grant's {@code notBefore} and
 *       {@code expiresAt}, audit timestamps), and it follows the clock back down after a forward glitch is
 *       corrected, so new grants are not made in a frozen future.
 * </ul>
 *
 * A stored wall instant is turned into engine time by adding {@code behind} as it stands when this instance learns
 * it; a grant keeps that offset (see {@link LiveGrant.View}), so later steps back never lengthen it.
 *
 * <p>The clock and the ticker drift apart slowly (NTP slews the clock), so the anchor moves only when they disagree
 * by more than a threshold: that is a step, reported to the {@link StepListener} with its signed size.
 *
 * <p>Threads: read by every thread. The anchor is one immutable object, replaced by compare-and-set only on a step,
 * so readings allocate nothing and do not contend. A new anchor keeps the millisecond phase of the one it replaces,
 * so engine time never goes back across the swap, whichever anchor a concurrent reader used.
 */
final class EngineTime {

  /** Hears clock steps; called by the thread that noticed one, which may be a check: it must be quick. */
  @FunctionalInterface
  interface StepListener {
    /**
     * @param stepMillis how far the clock moved away from what the ticker implied: positive forward
     * @param wallMillis the clock's reading
     * @param engineMillis engine time from now on (forward steps included)
     */
    void stepped(long stepMillis, long wallMillis, long engineMillis);
  }

  private static final long NANOS_PER_MILLI = 1_000_000;

  /** From {@code nanos} (a ticker reading) on: engine time {@code millis}, wall time {@code millis - behind}. */
  private record Anchor(long nanos, long millis, long behind) {}

  private final Clock clock;
  private final Ticker ticker;
  private final long thresholdMillis;
  private final StepListener listener;
  private final AtomicReference<Anchor> anchor;

  EngineTime(Clock clock, Ticker ticker, long thresholdMillis, StepListener listener) {
    this.clock = clock;
    this.ticker = ticker;
    this.thresholdMillis = thresholdMillis;
    this.listener = listener;
    this.anchor = new AtomicReference<>(new Anchor(ticker.read(), clock.millis(), 0));
  }

  /** Engine time in milliseconds: never goes back (see the class comment). */
  long millis() {
    long nanos = ticker.read();
    return engineAt(anchorAt(nanos), nanos);
  }

  /** Wall time in milliseconds: the clock as the engine follows it. */
  long wallMillis() {
    long nanos = ticker.read();
    Anchor current = anchorAt(nanos);
    return engineAt(current, nanos) - current.behind;
  }

  /** {@link #wallMillis()} as an instant. */
  Instant now() {
    return Instant.ofEpochMilli(wallMillis());
  }

  /** How far engine time is ahead of wall time: the sum of the steps back seen so far. */
  long behind() {
    return anchorAt(ticker.read()).behind;
  }

  /**
   * The offset from wall to engine time for a grant made here at wall time {@code madeAt}: {@link #behind()},
   * but never more than the engine time that has passed since, so that a clock stepped back while the grant was
   * being made cannot give it more time left than it was given.
   */
  long offsetSince(Instant madeAt) {
    long nanos = ticker.read();
    Anchor current = anchorAt(nanos);
    return Math.min(current.behind, engineAt(current, nanos) - madeAt.toEpochMilli());
  }

  private static long engineAt(Anchor anchor, long nanos) {
    // A reading taken just before another thread re-anchored may be older than the anchor.
    return anchor.millis + Math.max(0, nanos - anchor.nanos) / NANOS_PER_MILLI;
  }

  /** The anchor for a ticker reading: the current one, or a new one if the clock has stepped away from it. */
  private Anchor anchorAt(long nanos) {
    long wall = clock.millis();
    Anchor current = anchor.get();
    while (true) {
      long engine = engineAt(current, nanos);
      long step = wall - (engine - current.behind);
      if (step <= thresholdMillis && step >= -thresholdMillis) {
        return current;
      }
      if (step > 0 && wall - (engineAt(current, ticker.read()) - current.behind) <= thresholdMillis) {
        // Real time passed between the ticker reading and the clock's (a test clock advanced by another
        // thread): the clock is where the ticker is now, which is no step.
        return current;
      }
      // On the old anchor's millisecond phase, so that its readings and the new one's agree up to the step.
      long phased = current.nanos + (engine - current.millis) * NANOS_PER_MILLI;
      Anchor next = step > 0
          ? new Anchor(phased, engine + step, current.behind)
          : new Anchor(phased, engine, current.behind - step);
      if (anchor.compareAndSet(current, next)) {
        listener.stepped(step, wall, next.millis);
        return next;
      }
      current = anchor.get();
    }
  }
}
