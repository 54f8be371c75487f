package dev.jitaccess;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.audit.AuditSink;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's side of the audit sink, with the two rules DESIGN.md fixes:
 *
 * <ul>
 *   <li>events that give privilege must be accepted before the effect: {@link #writeOrThrow};
 *   <li>events that take privilege away must never be blocked: {@link #writeReducing} hands a refused event to
 *       a bounded backlog that the expiry thread retries in order ({@link #retryBacklog}) until the sink
 *       recovers. When the backlog is full, the oldest held event is dropped; the loss is logged at
 *       {@code ERROR} and, once the sink accepts events again, recorded in the trail itself by an
 *       {@link AuditEventType#AUDIT_LOST} event written before the events still held.
 * </ul>
 *
 * <p>Threads: any caller thread writes; only the expiry thread drains the backlog. The backlog is guarded by
 * this object's monitor, which is never held while the sink is called, so a slow sink never blocks a caller
 * behind another one.
 */
final class AuditWriter {

  private static final Logger log = LoggerFactory.getLogger(AuditWriter.class);

  /** Enough for a long sink outage under heavy expiry, small enough to bound memory (events are ~300 B). */
  static final int MAX_BACKLOG = 100_000;

  private final AuditSink sink;
  private final Supplier<Instant> clock;
  private final int maxBacklog;
  private final ArrayDeque<AuditEvent> backlog = new ArrayDeque<>();
  private long lost;
  @Nullable
  private AuditEvent firstLost;
  @Nullable
  private AuditEvent lastLost;

  AuditWriter(AuditSink sink, Supplier<Instant> clock) {
    this(sink, clock, MAX_BACKLOG);
  }

  AuditWriter(AuditSink sink, Supplier<Instant> clock, int maxBacklog) {
    this.sink = sink;
    this.clock = clock;
    this.maxBacklog = maxBacklog;
  }

  /** Writes an event that must be recorded before its effect; throws when the sink refuses it. */
  void writeOrThrow(AuditEvent event) {
    try {
      sink.write(event);
    } catch (RuntimeException e) {
      throw new AuditException("the audit sink did not accept the " + event.type() + " event " + event.id()
          + " (request " + event.requestId() + "); nothing was changed", e);
    }
  }

  /** Writes an event whose loss is tolerable (a denial, a request log line); a failure is only logged. */
  void writeBestEffort(AuditEvent event) {
    try {
      sink.write(event);
    } catch (RuntimeException e) {
      log.warn("the audit sink did not accept the {} event {} (grant {}, request {})", event.type(), event.id(),
          event.grantId(), event.requestId(), e);
    }
  }

  /**
   * Writes an event of an effect that already happened. Never throws: a refused event joins the backlog.
   *
   * @return {@code true} if the event is in the backlog and a retry is needed
   */
  boolean writeReducing(AuditEvent event) {
    return writeReducingAll(List.of(event));
  }

  /**
   * {@link #writeReducing} for the events of several effects, handed to the sink in one {@link AuditSink#writeAll}
   * (a burst of expiries: one append, one fsync). Refused, they all join the backlog, in order.
   *
   * @return {@code true} if the events are in the backlog and a retry is needed
   */
  boolean writeReducingAll(List<AuditEvent> events) {
    if (events.isEmpty()) {
      return false;
    }
    synchronized (this) {
      if (!backlog.isEmpty()) {
        // Keep the trail in order: behind the older events still waiting.
        events.forEach(this::enqueue);
        return true;
      }
    }
    try {
      sink.writeAll(events);
      return false;
    } catch (RuntimeException e) {
      AuditEvent first = events.get(0);
      log.error("the audit sink did not accept {} events from the {} event {} (grant {}); they are held and retried",
          events.size(), first.type(), first.id(), first.grantId(), e);
      synchronized (this) {
        events.forEach(this::enqueue);
      }
      return true;
    }
  }

  /**
   * Retries the backlog in order until it is empty or the sink refuses again. Called by the expiry thread only.
   *
   * @return {@code true} when the backlog is empty
   */
  boolean retryBacklog() {
    if (!recordLoss()) {
      return false;
    }
    while (true) {
      AuditEvent head;
      synchronized (this) {
        head = backlog.peekFirst();
        if (head == null) {
          return true;
        }
      }
      try {
        sink.write(head);
      } catch (RuntimeException e) {
        log.debug("the audit sink still refuses events; {} waiting", backlogSize(), e);
        return false;
      }
      synchronized (this) {
        backlog.pollFirst();
      }
    }
  }

  /** Writes the AUDIT_LOST event, if events were dropped; {@code false} if the sink refused it. */
  private boolean recordLoss() {
    long count;
    AuditEvent first;
    AuditEvent last;
    synchronized (this) {
      if (lost == 0) {
        return true;
      }
      count = lost;
      first = firstLost;
      last = lastLost;
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("lost", Long.toString(count));
    details.put("firstLost", first.id());
    details.put("lastLost", last.id());
    details.put("from", first.timestamp().toString());
    details.put("to", last.timestamp().toString());
    AuditEvent record = new AuditEvent(UUID.randomUUID().toString(), AuditEventType.AUDIT_LOST, clock.get(), null,
        null, null, Set.of(), null, null, count + " privilege-reducing audit events were dropped because the "
            + "backlog held for a failing audit sink was full (" + maxBacklog + " events)", details);
    try {
      sink.write(record);
    } catch (RuntimeException e) {
      log.debug("the audit sink still refuses events; {} lost so far", count, e);
      return false;
    }
    synchronized (this) {
      log.error("the audit sink recovered; {} privilege-reducing events had been lost while it was down "
          + "(recorded as AUDIT_LOST {})", lost, record.id());
      lost = 0;
      firstLost = null;
      lastLost = null;
    }
    return true;
  }

  synchronized int backlogSize() {
    return backlog.size();
  }

  synchronized long lostCount() {
    return lost;
  }

  private void enqueue(AuditEvent event) {
    if (backlog.size() >= maxBacklog) {
      AuditEvent dropped = backlog.pollFirst();
      lost++;
      if (firstLost == null) {
        firstLost = dropped;
      }
      lastLost = dropped;
      if (lost == 1 || lost % 10_000 == 0) { // one line per burst, not one per event
        log.error("audit backlog full ({} events): dropped the {} event {} (grant {}); {} dropped so far, "
            + "recorded when the sink recovers", maxBacklog, dropped.type(), dropped.id(), dropped.grantId(), lost);
      }
    }
    backlog.addLast(event);
  }
}
