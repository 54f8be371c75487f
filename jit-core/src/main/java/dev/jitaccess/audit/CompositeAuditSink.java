package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AuditSink} that hands every event to several sinks, in order, and accepts it by a rule.
 *
 * <ul>
 *   <li>{@link #allOf}: accepted only when every sink accepted it (the strict rule: every trail is complete);
 *   <li>{@link #anyOf}: accepted when at least one sink accepted it (Vault's rule: one working audit device is
 *       enough, so one broken sink does not stop the service).
 * </ul>
 *
 * <p>A sink that throws does not stop the others: each one is tried. When the rule is not met, {@link #write}
 * throws a single {@link AuditException} naming the sinks that refused the event (by index and class); the
 * first failure is its cause and the later ones are suppressed exceptions on it. The engine then fails the
 * request and grants nothing. So that the sinks that did accept the event do not claim an effect that never
 * happened, each of them is then given an {@link AuditEventType#AUDIT_FAILED} event about it: same actor,
 * subject, resource, actions, grant and request, the failed event's timestamp, and the details
 * {@code failedEvent} (its id), {@code failedType}, {@code rule} and {@code refusedBy}. If that record is refused
 * too, its failure is added to the exception as a suppressed one. When the rule is met although some sinks
 * refused the event ({@code anyOf}), the event counts as accepted, and the sink's refusal is logged at
 * {@code ERROR} once when it starts refusing and at {@code INFO} when it accepts again (not once per event).
 *
 * <p>A composite is as thread-safe as its sinks; its only state is which sinks refused the last event.
 */
public final class CompositeAuditSink implements AuditSink {

  private static final Logger log = LoggerFactory.getLogger(CompositeAuditSink.class);

  /** When a composite accepts an event, given how many of its sinks failed. One constant per factory. */
  private enum Rule {
    ALL_OF("allOf") {
      @Override
      boolean accepts(int failed, int total) {
        return failed == 0;
      }
    },
    ANY_OF("anyOf") {
      @Override
      boolean accepts(int failed, int total) {
        return failed < total;
      }
    };

    private final String factory;

    Rule(String factory) {
      this.factory = factory;
    }

    abstract boolean accepts(int failed, int total);
  }

  private final List<AuditSink> sinks;
  private final Rule rule;
  /** Which sinks refused their last event, so an outage under anyOf is logged once, not per event. */
  private final AtomicIntegerArray refusing;

  private CompositeAuditSink(List<AuditSink> sinks, Rule rule) {
    this.sinks = sinks;
    this.rule = rule;
    this.refusing = new AtomicIntegerArray(sinks.size());
  }

  /**
   * A sink that writes each event to every one of {@code sinks}, in order, and accepts it only when all of
   * them did.
   *
   * @throws IllegalArgumentException if {@code sinks} is null, empty or holds a null
   */
  public static CompositeAuditSink allOf(AuditSink... sinks) {
    Validate.notNull("sinks", sinks);
    return allOf(Arrays.asList(sinks));
  }

  /** As {@link #allOf(AuditSink...)}, from a collection. */
  public static CompositeAuditSink allOf(Collection<? extends AuditSink> sinks) {
    return new CompositeAuditSink(checked(sinks), Rule.ALL_OF);
  }

  /**
   * A sink that writes each event to every one of {@code sinks}, in order, and accepts it when at least one of
   * them did.
   *
   * @throws IllegalArgumentException if {@code sinks} is null, empty or holds a null
   */
  public static CompositeAuditSink anyOf(AuditSink... sinks) {
    Validate.notNull("sinks", sinks);
    return anyOf(Arrays.asList(sinks));
  }

  /** As {@link #anyOf(AuditSink...)}, from a collection. */
  public static CompositeAuditSink anyOf(Collection<? extends AuditSink> sinks) {
    return new CompositeAuditSink(checked(sinks), Rule.ANY_OF);
  }

  @Override
  public void write(AuditEvent event) {
    Validate.notNull("event", event);
    List<Integer> failedAt = null;
    List<Exception> failures = null;
    for (int i = 0; i < sinks.size(); i++) {
      try {
        sinks.get(i).write(event);
        if (refusing.get(i) == 1 && refusing.compareAndSet(i, 1, 0)) {
          log.info("audit sink [{}] {} accepts events again", i, name(sinks.get(i)));
        }
      } catch (Exception e) { // also a checked exception thrown sneakily by a sink
        if (failures == null) {
          failedAt = new ArrayList<>();
          failures = new ArrayList<>();
        }
        failedAt.add(i);
        failures.add(e);
      }
    }
    if (failures == null) {
      return;
    }
    AuditException failure = failure(event, failedAt, failures);
    if (rule.accepts(failures.size(), sinks.size())) {
      for (int f = 0; f < failedAt.size(); f++) {
        int index = failedAt.get(f);
        if (refusing.compareAndSet(index, 0, 1)) {
          log.error("audit sink [{}] {} refuses events (first: {}); {} goes on with the others", index,
              name(sinks.get(index)), event.id(), rule.factory, failures.get(f));
        }
      }
      return;
    }
    if (failures.size() < sinks.size()) {
      AuditEvent record = failureRecord(event, failedAt, failures);
      for (int i = 0; i < sinks.size(); i++) {
        if (!failedAt.contains(i)) {
          try {
            sinks.get(i).write(record);
          } catch (Exception e) {
            failure.addSuppressed(e);
          }
        }
      }
    }
    throw failure;
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder("CompositeAuditSink.").append(rule.factory).append('[');
    for (int i = 0; i < sinks.size(); i++) {
      text.append(i == 0 ? "" : ", ").append(sinks.get(i));
    }
    return text.append(']').toString();
  }

  private AuditException failure(AuditEvent event, List<Integer> failedAt, List<Exception> failures) {
    StringBuilder message = new StringBuilder("audit event ").append(Validate.show(event.id()))
        .append(" (").append(event.type()).append(") was not accepted by ").append(failures.size())
        .append(" of ").append(sinks.size()).append(" sinks:");
    for (int f = 0; f < failures.size(); f++) {
      int index = failedAt.get(f);
      message.append(f == 0 ? " " : ", ").append('[').append(index).append("] ")
          .append(name(sinks.get(index))).append(" (").append(failures.get(f).getClass().getSimpleName())
          .append(')');
    }
    if (!rule.accepts(failures.size(), sinks.size())) {
      message.append("; ").append(rule.factory).append(" is not met");
    }
    AuditException exception = new AuditException(message.toString(), failures.get(0));
    for (int f = 1; f < failures.size(); f++) {
      exception.addSuppressed(failures.get(f));
    }
    return exception;
  }

  private AuditEvent failureRecord(AuditEvent event, List<Integer> failedAt, List<Exception> failures) {
    StringBuilder refusedBy = new StringBuilder();
    for (int f = 0; f < failures.size(); f++) {
      int index = failedAt.get(f);
      refusedBy.append(f == 0 ? "" : ", ").append('[').append(index).append("] ").append(name(sinks.get(index)))
          .append(" (").append(failures.get(f).getClass().getSimpleName()).append(')');
    }
    Map<String, String> details = new LinkedHashMap<>();
    details.put("failedEvent", event.id());
    details.put("failedType", event.type().name());
    details.put("rule", rule.factory);
    details.put("refusedBy", refusedBy.toString());
    return new AuditEvent(UUID.randomUUID().toString(), AuditEventType.AUDIT_FAILED, event.timestamp(),
        event.actor(), event.subject(), event.resource(), event.actions(), event.grantId(), event.requestId(),
        "the " + event.type() + " event " + event.id() + " was refused by " + failures.size() + " of "
            + sinks.size() + " audit sinks, so " + rule.factory + " was not met and its write failed",
        details);
  }

  private static String name(AuditSink sink) {
    String simple = sink.getClass().getSimpleName();
    return simple.isEmpty() ? sink.getClass().getName() : simple;
  }

  private static List<AuditSink> checked(Collection<? extends AuditSink> sinks) {
    Validate.notNull("sinks", sinks);
    if (sinks.isEmpty()) {
      throw new IllegalArgumentException("sinks must name at least one sink");
    }
    List<AuditSink> copy = new ArrayList<>(sinks.size());
    int i = 0;
    for (AuditSink sink : sinks) {
      copy.add(Validate.notNull("sinks[" + i + "]", sink));
      i++;
    }
    return List.copyOf(copy);
  }
}
