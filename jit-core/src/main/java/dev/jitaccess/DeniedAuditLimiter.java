package dev.jitaccess;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.annotation.Nullable;
import java.time.Duration;

/**
 * Caps {@code ACCESS_DENIED} events per subject per minute, so a caller looping on a denied check cannot flood
 * the audit sink; what it holds back is counted and reported with the next event it lets through.
 *
 * <p>Windows live in a bounded Caffeine cache (a flood of distinct subject ids cannot grow memory without
 * bound); each window is a small monitor, so subjects never contend with each other.
 */
final class DeniedAuditLimiter {

  /** Returned by {@link #admit} when the event must not be written. */
  static final long SUPPRESSED = -1;

  private static final long WINDOW_MILLIS = Duration.ofMinutes(1).toMillis();

  private final int perWindow;
  private final Cache<Subject, Window> windows = Caffeine.newBuilder()
      .maximumSize(10_000)
      .expireAfterAccess(Duration.ofMinutes(5))
      .build();
  private final Window anonymous = new Window();

  DeniedAuditLimiter(int perWindow) {
    this.perWindow = perWindow;
  }

  /** {@link #SUPPRESSED}, or how many events for this subject were held back before this one. */
  long admit(@Nullable Subject subject, long nowMillis) {
    if (perWindow == 0) {
      return SUPPRESSED;
    }
    Window window = subject == null ? anonymous : windows.get(subject, s -> new Window());
    return window.admit(nowMillis, perWindow);
  }

  private static final class Window {
    private long start = Long.MIN_VALUE;
    private int written;
    private long heldBack;

    synchronized long admit(long now, int perWindow) {
      if (start == Long.MIN_VALUE || now - start >= WINDOW_MILLIS) {
        start = now;
        written = 0;
      }
      if (written >= perWindow) {
        heldBack++;
        return SUPPRESSED;
      }
      written++;
      long report = heldBack;
      heldBack = 0;
      return report;
    }
  }
}
