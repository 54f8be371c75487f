package dev.jitaccess.expiry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns one {@link TimerWheel}, one lock and one daemon thread that drives it. Thread-safe.
 *
 * <p>The thread sleeps until the wheel's {@link TimerWheel#nextFireTime()}, but never longer than
 * {@value #MAX_PARK_MILLIS} ms per park: a wall clock may be stepped forward without telling us, and
 * re-reading it once a second bounds the lag that causes. An idle scheduler therefore wakes once a
 * second and does nothing else. A clock that can tell when it changes ({@link ObservableClock}) should
 * call {@link #wakeUp()} so the jump is seen at once.
 *
 * <p>On each wake the thread reads {@code nowMillis}, advances the wheel under the lock collecting the due
 * timers into a reused list (no allocation in steady state), releases the lock, then hands them to the callback
 * on the expiry thread, outside the lock (so a callback may schedule or cancel): to a {@link Batch} all at once,
 * so that timers due together (a burst of grants expiring in one tick) can be handled together, or to a
 * {@code Consumer} one by one. A throwing callback is logged and does not stop the thread; a throwing
 * {@code Consumer} does not skip other timers either. A clock that goes back is harmless: the wheel never moves
 * time back.
 *
 * <p>Races are the callback's concern: a timer is unlinked when it is collected, so one rescheduled or
 * cancelled by another thread after that but before its callback runs still gets the callback (and, if
 * rescheduled, is pending again). The callback must check its own state (the engine re-reads its store).
 */
public final class ExpiryScheduler implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExpiryScheduler.class);
  static final long MAX_PARK_MILLIS = 1_000;

  /** Receives the timers that fell due in one advance, together. */
  @FunctionalInterface
  public interface Batch {
    /**
     * Handles the due timers, in the wheel's order. The list is the scheduler's own, reused after the call: read
     * it, do not keep it. A timer that throws takes the rest of the list with it, so guard each one.
     */
    void fire(List<TimerWheel.Timer> due);
  }

  private final LongSupplier nowMillis;
  private final Batch onExpired;
  private final TimerWheel wheel;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayList<TimerWheel.Timer> due = new ArrayList<>();
  private final List<TimerWheel.Timer> dueView = Collections.unmodifiableList(due);
  private final Consumer<TimerWheel.Timer> collector = due::add;
  private final Thread thread;

  // Guarded by lock.
  private boolean closed;
  private boolean wakeRequested;
  /** The clock time the thread sleeps towards; Long.MIN_VALUE while it is not sleeping. */
  private long sleepingUntil = Long.MIN_VALUE;

  /**
   * Starts the expiry thread.
   *
   * @param threadName the daemon thread's name
   * @param tick the wheel resolution, at least 1 ms: a timer fires at most about one tick late
   * @param nowMillis the clock, in epoch millis; it may go back (ignored) or jump forward
   * @param onExpired called once per expired timer, on the expiry thread, outside the lock
   */
  public ExpiryScheduler(
      String threadName,
      Duration tick,
      LongSupplier nowMillis,
      Consumer<? super TimerWheel.Timer> onExpired) {
    this(each(onExpired), threadName, tick, nowMillis);
  }

  /**
   * Starts the expiry thread, handing it the timers due in one advance together.
   *
   * @param onExpired called once per advance that found timers due, on the expiry thread, outside the lock
   */
  public static ExpiryScheduler batched(String threadName, Duration tick, LongSupplier nowMillis, Batch onExpired) {
    return new ExpiryScheduler(onExpired, threadName, tick, nowMillis);
  }

  private ExpiryScheduler(Batch onExpired, String threadName, Duration tick, LongSupplier nowMillis) {
    Objects.requireNonNull(threadName, "threadName");
    Objects.requireNonNull(tick, "tick");
    this.nowMillis = Objects.requireNonNull(nowMillis, "nowMillis");
    this.onExpired = Objects.requireNonNull(onExpired, "onExpired");
    if (tick.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("tick must be at least 1ms, was " + tick);
    }
    long tickMillis = tick.compareTo(Duration.ofMillis(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : tick.toMillis();
    this.wheel = new TimerWheel(tickMillis, nowMillis.getAsLong());
    this.thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Schedules (or reschedules) {@code timer}; a deadline already due fires at once. Wakes the thread if
   * the deadline is earlier than the time it sleeps towards.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public void schedule(TimerWheel.Timer timer, long deadlineMillis) {
    Objects.requireNonNull(timer, "timer");
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("ExpiryScheduler is closed");
      }
      wheel.schedule(timer, deadlineMillis);
      if (deadlineMillis < sleepingUntil) {
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Unschedules {@code timer}; false if it was not scheduled (or has already been collected to fire). */
  public boolean cancel(TimerWheel.Timer timer) {
    Objects.requireNonNull(timer, "timer");
    lock.lock();
    try {
      return wheel.cancel(timer);
    } finally {
      lock.unlock();
    }
  }

  /** Makes the thread re-read the clock now, e.g. because the clock jumped. No-op after close. */
  public void wakeUp() {
    lock.lock();
    try {
      wakeRequested = true;
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Number of pending timers. */
  public int size() {
    lock.lock();
    try {
      return wheel.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the thread and waits for it to finish the callbacks of the batch in progress. Pending timers
   * never fire. Idempotent; when called from an expiry callback it does not wait for itself.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signal();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() == thread) {
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    while (true) {
      long now;
      try {
        now = nowMillis.getAsLong();
      } catch (RuntimeException e) {
        log.error("Clock failed; retrying in {} ms", MAX_PARK_MILLIS, e);
        lock.lock();
        try {
          if (closed || !await(Long.MIN_VALUE, MAX_PARK_MILLIS)) {
            return;
          }
        } finally {
          lock.unlock();
        }
        continue;
      }
      lock.lock();
      try {
        if (closed) {
          return;
        }
        wheel.advance(now, collector);
      } finally {
        lock.unlock();
      }
      fireCollected();
      if (!park()) {
        return;
      }
    }
  }

  private void fireCollected() {
    // Only this thread touches `due`, so it is read outside the lock.
    if (!due.isEmpty()) {
      try {
        onExpired.fire(dueView);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable t) {
        log.error("Expiry callback failed for a batch of {} timers", due.size(), t);
      }
      due.clear();
    }
  }

  /**
   * A {@link Batch} that calls {@code each} per timer and logs what one throws (its type and deadline only, since
   * a timer's {@code toString} may be user code that prints secrets), so that it skips no other.
   */
  public static Batch each(Consumer<? super TimerWheel.Timer> each) {
    Objects.requireNonNull(each, "each");
    return due -> {
      for (int i = 0, n = due.size(); i < n; i++) {
        TimerWheel.Timer timer = due.get(i);
        try {
          each.accept(timer);
        } catch (VirtualMachineError e) {
          throw e;
        } catch (Throwable t) {
          log.error("Expiry callback failed for a {} due at {}", timer.getClass().getName(), timer.deadline(), t);
        }
      }
    };
  }

  /**
   * Sleeps towards the wheel's next fire time, at most {@link #MAX_PARK_MILLIS}. The decision is taken
   * under the lock, so a timer scheduled after the advance is either seen here or signals the sleep.
   * Returns false once closed.
   */
  private boolean park() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      if (wakeRequested) {
        wakeRequested = false;
        return true;
      }
      long next = wheel.nextFireTime();
      // Wheel time, not the raw reading: a clock that went back must not delay timers already due.
      long now = wheel.currentTime();
      if (next <= now) {
        return true;
      }
      long waitMillis = next == Long.MAX_VALUE ? MAX_PARK_MILLIS : Math.min(MAX_PARK_MILLIS, next - now);
      return await(now, waitMillis);
    } finally {
      lock.unlock();
    }
  }

  /** Awaits a signal or the timeout, with the lock held. Returns false once closed. */
  private boolean await(long now, long waitMillis) {
    sleepingUntil = now > Long.MAX_VALUE - waitMillis ? Long.MAX_VALUE : now + waitMillis;
    try {
      changed.awaitNanos(TimeUnit.MILLISECONDS.toNanos(waitMillis));
    } catch (InterruptedException e) {
      // Only close() stops this thread; the closed flag decides below.
    } finally {
      sleepingUntil = Long.MIN_VALUE;
    }
    wakeRequested = false;
    return !closed;
  }
}
