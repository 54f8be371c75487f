package dev.jitaccess.expiry;

/**
 * A monotonic time source in nanoseconds, with an arbitrary origin, like {@link System#nanoTime()}: it never goes
 * back and is not moved by wall clock corrections (NTP steps, an operator setting the date, a VM resumed later).
 *
 * <p>The engine measures how long grants have left on such a source and reads the {@link java.time.Clock} only to
 * anchor it to wall time. A clock passed to the builder that also implements this interface is read for both, so
 * one test clock can move real time and step the wall clock alone ({@code dev.jitaccess.testing.ManualClock});
 * for any other clock the engine uses {@link System#nanoTime()}.
 */
@FunctionalInterface
public interface Ticker {

  /** The current reading, in nanoseconds; only differences between readings mean anything. Thread-safe. */
  long read();
}
