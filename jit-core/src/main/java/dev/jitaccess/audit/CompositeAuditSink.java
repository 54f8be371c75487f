package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * An {@link AuditSink} that hands every event to several sinks, in order.
 *
 * <p>{@link #allOf} accepts an event only when every sink accepted it. A sink that throws does not stop the
 * others: each one is tried, and then a single {@link AuditException} names the sinks that failed (by index
 * and class); the first failure is its cause and the later ones are suppressed exceptions on it.
 *
 * <p>A composite is as thread-safe as its sinks; it holds no state of its own.
 */
public final class CompositeAuditSink implements AuditSink {

  /** When a composite accepts an event, given how many of its sinks failed. One constant per factory. */
  private enum Rule {
    ALL_OF("allOf") {
      @Override
      boolean accepts(int failed, int total) {
        return failed == 0;
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

  private CompositeAuditSink(List<AuditSink> sinks, Rule rule) {
    this.sinks = sinks;
    this.rule = rule;
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

  @Override
  public void write(AuditEvent event) {
    Validate.notNull("event", event);
    List<Integer> failedAt = null;
    List<Exception> failures = null;
    for (int i = 0; i < sinks.size(); i++) {
      try {
        sinks.get(i).write(event);
      } catch (Exception e) { // also a checked exception thrown sneakily by a sink
        if (failures == null) {
          failedAt = new ArrayList<>();
          failures = new ArrayList<>();
        }
        failedAt.add(i);
        failures.add(e);
      }
    }
    if (failures != null && !rule.accepts(failures.size(), sinks.size())) {
      throw failure(event, failedAt, failures);
    }
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
    AuditException exception = new AuditException(message.toString(), failures.get(0));
    for (int f = 1; f < failures.size(); f++) {
      exception.addSuppressed(failures.get(f));
    }
    return exception;
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
