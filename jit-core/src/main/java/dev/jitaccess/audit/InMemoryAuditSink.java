package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link AuditSink} that keeps events in memory, in the order they were accepted: for tests and demos.
 *
 * <p>It is unbounded: every event stays until {@link #clear()}, so do not use it in a long-running
 * application. It is thread-safe; {@link #events()} and {@link #events(AuditEventType)} return immutable
 * snapshots.
 *
 * <p>To test how the engine copes with a failing sink, {@link #failWith} makes every following
 * {@link #write} throw (and record nothing) until {@link #recover()}.
 */
public final class InMemoryAuditSink implements AuditSink {

  private final Object lock = new Object();
  private final List<AuditEvent> events = new ArrayList<>();
  @Nullable
  private RuntimeException failure;

  @Override
  public void write(AuditEvent event) {
    Validate.notNull("event", event);
    synchronized (lock) {
      if (failure != null) {
        throw failure;
      }
      events.add(event);
    }
  }

  /** All or none, like {@link #write} of each, under one lock: a reader sees all of them or none. */
  @Override
  public void writeAll(List<AuditEvent> events) {
    Validate.notNull("events", events);
    for (int i = 0; i < events.size(); i++) {
      Validate.notNull("events[" + i + "]", events.get(i));
    }
    synchronized (lock) {
      if (failure != null) {
        throw failure;
      }
      this.events.addAll(events);
    }
  }

  /** Every accepted event, oldest first; an immutable snapshot. */
  public List<AuditEvent> events() {
    synchronized (lock) {
      return List.copyOf(events);
    }
  }

  /** The accepted events of this type, oldest first; an immutable snapshot. */
  public List<AuditEvent> events(AuditEventType type) {
    Validate.notNull("type", type);
    List<AuditEvent> matching = new ArrayList<>();
    synchronized (lock) {
      for (AuditEvent event : events) {
        if (event.type() == type) {
          matching.add(event);
        }
      }
    }
    return List.copyOf(matching);
  }

  /** Forgets every event. */
  public void clear() {
    synchronized (lock) {
      events.clear();
    }
  }

  /**
   * From now on, {@link #write} throws {@code failure} and records nothing, until {@link #recover()}.
   * The same instance is thrown each time.
   */
  public void failWith(RuntimeException failure) {
    Validate.notNull("failure", failure);
    synchronized (lock) {
      this.failure = failure;
    }
  }

  /** From now on, {@link #write} records events again. */
  public void recover() {
    synchronized (lock) {
      failure = null;
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "InMemoryAuditSink[" + events.size() + " events" + (failure != null ? ", failing" : "") + "]";
    }
  }
}
