package dev.jitaccess;

import jakarta.annotation.Nullable;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls user listeners on an executor, so that none can slow the engine (above all its expiry thread, which ends a
 * burst of grants at once), break it, or break another listener.
 *
 * <p>Order: the events of one subject are called one after the other, in the order the engine emitted them, so a
 * listener hears a grant's (and a request's) transitions in order. Each subject's events go to one of
 * {@value #LANES} lanes by its hash; a lane runs its queue on the executor one task at a time, handing the thread
 * back after {@value #BATCH} events so that other lanes get their turn. Events of different lanes may run in
 * parallel (with a pool) and in any order relative to each other.
 *
 * <p>Threads: any engine thread emits (a lock-free queue per lane and one flag that says whether the lane is on the
 * executor); the executor's threads run the listeners. {@link #close} waits for what was emitted before it.
 */
final class Listeners implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Listeners.class);
  static final int LANES = 64;
  static final int BATCH = 256;
  /** How long {@link #close} waits for listeners still running; a listener that hangs does not hang close. */
  static final long DRAIN_MILLIS = 10_000;
  private static final AtomicLong THREADS = new AtomicLong();

  private final List<JitAccessListener> listeners;
  private final Executor executor;
  /** The default executor, ours to shut down; null when the application gave one. */
  @Nullable
  private final ExecutorService owned;
  private final Lane[] lanes = new Lane[LANES];
  /** Emitted and not yet run; guarded by its own monitor for close's wait. */
  private final AtomicLong pending = new AtomicLong();
  /** Set on the executor's threads while they run listeners, so a listener calling close does not wait for itself. */
  private static final ThreadLocal<Boolean> RUNNING = new ThreadLocal<>();

  /**
   * @param executor where listeners run; {@code null} for the default, one daemon thread of this manager's
   */
  Listeners(List<JitAccessListener> listeners, @Nullable Executor executor) {
    this.listeners = List.copyOf(listeners);
    if (executor == null && !this.listeners.isEmpty()) {
      this.owned = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "jit-listeners-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
      });
      this.executor = owned;
    } else {
      this.owned = null;
      this.executor = executor != null ? executor : Runnable::run;
    }
    for (int i = 0; i < LANES; i++) {
      lanes[i] = new Lane();
    }
  }

  /**
   * Hands the event to the listeners, after the subject's earlier events; returns at once.
   *
   * @param subject whose grant or request it is: what orders the events
   */
  void emit(Subject subject, String what, Consumer<JitAccessListener> call) {
    if (listeners.isEmpty()) {
      return;
    }
    pending.incrementAndGet();
    lanes[(subject.hashCode() & Integer.MAX_VALUE) % LANES].add(new Event(what, call));
  }

  private record Event(String what, Consumer<JitAccessListener> call) {}

  /** One lane's queue, on the executor at most once at a time. */
  private final class Lane implements Runnable {
    final ConcurrentLinkedQueue<Event> queue = new ConcurrentLinkedQueue<>();
    final AtomicBoolean scheduled = new AtomicBoolean();

    void add(Event event) {
      queue.add(event);
      schedule();
    }

    void schedule() {
      if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
        try {
          executor.execute(this);
        } catch (RejectedExecutionException e) {
          // The application's executor was shut down first: the events are still told, on this thread.
          log.warn("the listener executor refused a task; listeners run on the emitting thread");
          run();
        }
      }
    }

    @Override
    public void run() {
      Boolean outer = RUNNING.get();
      RUNNING.set(Boolean.TRUE);
      try {
        for (int i = 0; i < BATCH; i++) {
          Event event = queue.poll();
          if (event == null) {
            break;
          }
          try {
            call(event);
          } finally {
            done();
          }
        }
      } finally {
        if (outer == null) {
          RUNNING.remove();
        }
        scheduled.set(false);
      }
      schedule(); // what came meanwhile, or what the batch left
    }
  }

  private void call(Event event) {
    for (JitAccessListener listener : listeners) {
      try {
        event.call.accept(listener);
      } catch (VirtualMachineError e) {
        throw e; // the JVM itself is failing: nothing sensible can go on here
      } catch (RuntimeException | Error e) {
        // An Error from a listener (a test double's AssertionError, a plug-in's missing class) is still user code
        // failing after the effect: it must neither undo the caller's result nor silence the next listener.
        log.warn("listener {} failed on {}; the engine carries on", listener.getClass().getName(), event.what, e);
      }
    }
  }

  private void done() {
    if (pending.decrementAndGet() == 0) {
      synchronized (pending) {
        pending.notifyAll();
      }
    }
  }

  /**
   * Waits (at most {@value #DRAIN_MILLIS} ms) until every event emitted so far was told, then stops the default
   * executor. Called from a listener, it does not wait for itself. Idempotent.
   */
  @Override
  public void close() {
    if (!Objects.equals(RUNNING.get(), Boolean.TRUE)) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
      boolean interrupted = false;
      synchronized (pending) {
        long left;
        while (pending.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
          try {
            TimeUnit.NANOSECONDS.timedWait(pending, left);
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (pending.get() > 0) {
        log.warn("closing with {} listener events not yet told: a listener is slow or hangs", pending.get());
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    if (owned != null) {
      owned.shutdown();
    }
  }
}
