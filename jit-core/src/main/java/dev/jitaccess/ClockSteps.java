package dev.jitaccess;

import dev.jitaccess.expiry.Ticker;
import dev.jitaccess.expiry.TimerWheel;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wall clock steps {@link EngineTime} noticed, waiting to be audited as {@code CLOCK_STEP}; also the timer that
 * reports them on the expiry thread. At most one event per {@link #INTERVAL} of the ticker (not of engine time,
 * which a flapping clock moves forward by days at a time): steps seen meanwhile are summed up in the next event, so
 * a flapping clock cannot flood the audit trail.
 *
 * <p>Threads: {@link #add} runs on whichever thread noticed a step (a check, a request, the expiry thread); the
 * rest on the expiry thread. The state is guarded by this object's monitor, held only for a few assignments.
 */
final class ClockSteps extends TimerWheel.Timer {

  static final Duration INTERVAL = Duration.ofMinutes(1);

  /** What one {@code CLOCK_STEP} event says. */
  record Report(String reason, Map<String, String> details) {}

  private final Ticker ticker;
  // Guarded by this.
  private int count;
  private long forwardMillis;
  private long backwardMillis;
  private long lastStepMillis;
  private long lastWallMillis;
  private long lastReportNanos;
  private boolean reportedBefore;

  ClockSteps(Ticker ticker) {
    this.ticker = ticker;
  }

  /** Adds a step to those waiting to be reported. */
  synchronized void add(long stepMillis, long wallMillis) {
    count++;
    if (stepMillis > 0) {
      forwardMillis += stepMillis;
    } else {
      backwardMillis -= stepMillis;
    }
    lastStepMillis = stepMillis;
    lastWallMillis = wallMillis;
  }

  /** How long the waiting steps must wait before they may be reported; 0 when they may be now. */
  synchronized long millisUntilReport() {
    if (!reportedBefore) {
      return 0;
    }
    long waited = ticker.read() - lastReportNanos;
    long left = INTERVAL.toNanos() - waited;
    return left <= 0 ? 0 : Math.max(1, left / 1_000_000);
  }

  /**
   * The event for the steps waiting, which are then cleared and the next interval starts; null when none is
   * waiting.
   */
  @Nullable
  synchronized Report takeReport() {
    if (count == 0) {
      return null;
    }
    Duration last = Duration.ofMillis(lastStepMillis);
    String direction = lastStepMillis > 0 ? "forward" : "back";
    Map<String, String> details = new LinkedHashMap<>();
    details.put("step", last.toString());
    details.put("direction", direction);
    details.put("wallClock", Instant.ofEpochMilli(lastWallMillis).toString());
    details.put("steps", Integer.toString(count));
    details.put("forward", Duration.ofMillis(forwardMillis).toString());
    details.put("backward", Duration.ofMillis(backwardMillis).toString());
    String reason = "the wall clock stepped " + direction + " by " + last.abs()
        + (count == 1 ? "" : " (" + count + " steps since the last report)")
        + "; time left on grants is measured on the monotonic clock and never lengthened";
    count = 0;
    forwardMillis = 0;
    backwardMillis = 0;
    lastReportNanos = ticker.read();
    reportedBefore = true;
    return new Report(reason, details);
  }
}
