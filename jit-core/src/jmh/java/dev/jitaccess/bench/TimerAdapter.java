package dev.jitaccess.bench;

import dev.jitaccess.expiry.ExpiryScheduler;
import dev.jitaccess.expiry.TimerWheel;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.TimerTask;
import java.time.Duration;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.agrona.DeadlineTimerWheel;

/**
 * One timer implementation behind a slot-addressed interface: slot {@code i} holds at most one pending timer. A
 * JMH fork creates exactly one kind, so the calls stay monomorphic.
 *
 * <p>Resolution: our default tick is 10 ms (an 8 ms level-0 span); Netty runs at 10 ms ({@code netty}) and at its
 * default 100 ms ({@code nettyDefault}), Agrona at 8 ms (it needs a power of two) with Netty's 512 ticks per wheel.
 * Virtual-time implementations ({@link #virtualTime()}) are driven by {@link #advanceTo}; the others run on the
 * real clock with their own worker thread.
 */
abstract class TimerAdapter {

  static final long TICK_MILLIS = 10;

  /** Timers fired so far; written by one thread (the caller, or the peer's single worker). */
  volatile long fired;

  /** Schedules slot {@code slot} (which must be free) {@code delayMillis} after the implementation's now. */
  abstract void schedule(int slot, long delayMillis);

  /** Cancels the timer of {@code slot}, if it is pending. */
  abstract void cancel(int slot);

  /** Moves the pending timer of {@code slot} to {@code delayMillis} after now (an extension). */
  void reschedule(int slot, long delayMillis) {
    cancel(slot);
    schedule(slot, delayMillis);
  }

  /** Virtual time: moves time to {@code nowMillis} and fires what is due. */
  void advanceTo(long nowMillis) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no virtual time");
  }

  /** The current virtual time. */
  long now() {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no virtual time");
  }

  boolean virtualTime() {
    return false;
  }

  void close() {}

  final void onFired() {
    fired = fired + 1; // single writer
  }

  static TimerAdapter create(String impl, int capacity) {
    return switch (impl) {
      case "jit" -> new Jit(capacity);
      case "jitScheduler" -> new JitScheduler(capacity);
      case "stpe" -> new Stpe(capacity, true);
      case "stpeKeep" -> new Stpe(capacity, false);
      case "delayQueue" -> new DelayQueueTimers(capacity);
      case "netty" -> new Netty(capacity, TICK_MILLIS, 512);
      case "nettyDefault" -> new Netty(capacity, 100, 512);
      case "agrona" -> new Agrona(capacity);
      default -> throw new IllegalArgumentException("unknown impl " + impl);
    };
  }

  /** Our wheel alone, single-threaded, virtual time: what the expiry thread runs under its lock. */
  static final class Jit extends TimerAdapter {
    private final TimerWheel wheel = new TimerWheel(TICK_MILLIS, 0);
    private final Node[] nodes;
    private final java.util.function.Consumer<TimerWheel.Timer> onExpired = t -> onFired();

    Jit(int capacity) {
      nodes = new Node[capacity];
      for (int i = 0; i < capacity; i++) {
        nodes[i] = new Node();
      }
    }

    @Override
    void schedule(int slot, long delayMillis) {
      wheel.schedule(nodes[slot], wheel.currentTime() + delayMillis);
    }

    @Override
    void cancel(int slot) {
      wheel.cancel(nodes[slot]);
    }

    @Override
    void reschedule(int slot, long delayMillis) {
      wheel.schedule(nodes[slot], wheel.currentTime() + delayMillis); // moves it: O(1), no cancel needed
    }

    @Override
    void advanceTo(long nowMillis) {
      wheel.advance(nowMillis, onExpired);
    }

    @Override
    long now() {
      return wheel.currentTime();
    }

    @Override
    boolean virtualTime() {
      return true;
    }
  }

  static final class Node extends TimerWheel.Timer {}

  /** Our wheel as the engine uses it: behind ExpiryScheduler's lock, with its daemon thread on the real clock. */
  static final class JitScheduler extends TimerAdapter {
    private final ExpiryScheduler scheduler;
    private final Node[] nodes;

    JitScheduler(int capacity) {
      nodes = new Node[capacity];
      for (int i = 0; i < capacity; i++) {
        nodes[i] = new Node();
      }
      scheduler = new ExpiryScheduler("bench-expiry", Duration.ofMillis(TICK_MILLIS), System::currentTimeMillis,
          t -> onFired());
    }

    @Override
    void schedule(int slot, long delayMillis) {
      scheduler.schedule(nodes[slot], System.currentTimeMillis() + delayMillis);
    }

    @Override
    void cancel(int slot) {
      scheduler.cancel(nodes[slot]);
    }

    @Override
    void reschedule(int slot, long delayMillis) {
      scheduler.schedule(nodes[slot], System.currentTimeMillis() + delayMillis);
    }

    @Override
    void close() {
      scheduler.close();
    }
  }

  /** The JDK's ScheduledThreadPoolExecutor, one worker; removeOnCancel true (or false: the JDK default). */
  static final class Stpe extends TimerAdapter {
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private final ScheduledFuture<?>[] futures;
    private final Runnable task = this::onFired;

    Stpe(int capacity, boolean removeOnCancel) {
      executor.setRemoveOnCancelPolicy(removeOnCancel);
      futures = new ScheduledFuture<?>[capacity];
    }

    @Override
    void schedule(int slot, long delayMillis) {
      futures[slot] = executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    void cancel(int slot) {
      ScheduledFuture<?> future = futures[slot];
      if (future != null) {
        future.cancel(false);
        futures[slot] = null;
      }
    }

    @Override
    void close() {
      executor.shutdownNow();
    }
  }

  /** A DelayQueue drained by the caller; its remove is linear, so it runs only up to 1e5 live timers. */
  static final class DelayQueueTimers extends TimerAdapter {
    private final DelayQueue<Entry> queue = new DelayQueue<>();
    private final Entry[] entries;
    /** Virtual time: the entries' getDelay reads it, so DelayQueue runs on the same virtual clock as the wheels. */
    long now;

    DelayQueueTimers(int capacity) {
      entries = new Entry[capacity];
      for (int i = 0; i < capacity; i++) {
        entries[i] = new Entry(this);
      }
    }

    @Override
    void schedule(int slot, long delayMillis) {
      Entry entry = entries[slot];
      entry.deadline = now + delayMillis;
      queue.offer(entry);
    }

    @Override
    void cancel(int slot) {
      queue.remove(entries[slot]);
    }

    @Override
    void advanceTo(long nowMillis) {
      now = Math.max(now, nowMillis);
      while (queue.poll() != null) {
        onFired();
      }
    }

    @Override
    long now() {
      return now;
    }

    @Override
    boolean virtualTime() {
      return true;
    }

    static final class Entry implements Delayed {
      private final DelayQueueTimers owner;
      long deadline;

      Entry(DelayQueueTimers owner) {
        this.owner = owner;
      }

      @Override
      public long getDelay(TimeUnit unit) {
        return unit.convert(deadline - owner.now, TimeUnit.MILLISECONDS);
      }

      @Override
      public int compareTo(Delayed other) {
        return Long.compare(deadline, ((Entry) other).deadline);
      }
    }
  }

  /** Netty's HashedWheelTimer (netty-common), real clock, its own worker thread. */
  static final class Netty extends TimerAdapter {
    private final HashedWheelTimer timer;
    private final Timeout[] timeouts;
    private final TimerTask task = t -> onFired();

    Netty(int capacity, long tickMillis, int ticksPerWheel) {
      timer = new HashedWheelTimer(r -> {
        Thread thread = new Thread(r, "bench-netty-wheel");
        thread.setDaemon(true);
        return thread;
      }, tickMillis, TimeUnit.MILLISECONDS, ticksPerWheel);
      timer.start();
      timeouts = new Timeout[capacity];
    }

    @Override
    void schedule(int slot, long delayMillis) {
      timeouts[slot] = timer.newTimeout(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    void cancel(int slot) {
      Timeout timeout = timeouts[slot];
      if (timeout != null) {
        timeout.cancel();
        timeouts[slot] = null;
      }
    }

    @Override
    void close() {
      timer.stop();
    }
  }

  /** Agrona's DeadlineTimerWheel, single-threaded, virtual time: 8 ms ticks, 512 ticks per wheel. */
  static final class Agrona extends TimerAdapter {
    private final DeadlineTimerWheel wheel = new DeadlineTimerWheel(TimeUnit.MILLISECONDS, 0, 8, 512);
    private final long[] ids;
    private final DeadlineTimerWheel.TimerHandler handler = (unit, now, id) -> {
      onFired();
      return true;
    };
    private long now;

    Agrona(int capacity) {
      ids = new long[capacity];
      java.util.Arrays.fill(ids, DeadlineTimerWheel.NULL_DEADLINE);
    }

    @Override
    void schedule(int slot, long delayMillis) {
      ids[slot] = wheel.scheduleTimer(now + delayMillis);
    }

    @Override
    void cancel(int slot) {
      long id = ids[slot];
      if (id != DeadlineTimerWheel.NULL_DEADLINE) {
        wheel.cancelTimer(id);
        ids[slot] = DeadlineTimerWheel.NULL_DEADLINE;
      }
    }

    @Override
    void advanceTo(long nowMillis) {
      now = Math.max(now, nowMillis);
      // Agrona's poll advances one tick per call: drive it until its tick has caught up with now.
      do {
        wheel.poll(now, handler, Integer.MAX_VALUE);
      } while (wheel.currentTickTime() <= now);
    }

    @Override
    long now() {
      return now;
    }

    @Override
    boolean virtualTime() {
      return true;
    }
  }
}
