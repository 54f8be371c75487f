package dev.jitaccess.audit;

import dev.jitaccess.internal.Validate;
import java.util.List;

/**
 * Where audit events go: the SPI a team implements to ship events to its own system.
 *
 * <p>{@link #write} returns only when the event is accepted (written, or handed to something that will not
 * lose it), and throws when it is not. The engine relies on that: a grant becomes visible to checks only
 * after its {@code GRANTED} event was accepted. Calls come from any application thread and from the expiry
 * thread, concurrently, so an implementation must be thread-safe.
 *
 * <p>Built in: {@link Slf4jAuditSink}, {@link InMemoryAuditSink}, {@link CompositeAuditSink}.
 */
@FunctionalInterface
public interface AuditSink {

  /**
   * Records one event.
   *
   * @throws RuntimeException (preferably {@link AuditException}) when the event was not accepted
   */
  void write(AuditEvent event);

  /**
   * Records several events, in order, as {@link #write} does each: the engine hands over the events of ends fired
   * together in one call, so a sink that can should write them at once (one file append, one {@code fsync}, one
   * network round trip). It returns only when all of them are accepted.
   *
   * <p>The default writes them one by one. When it throws, the events before the refused one may have been
   * accepted; the engine then holds the whole batch and retries it, so such a sink may record them twice (as after a
   * write whose event reached its destination before the sink failed). A sink that can should accept all or none.
   *
   * @throws RuntimeException (preferably {@link AuditException}) when not every event was accepted
   */
  default void writeAll(List<AuditEvent> events) {
    Validate.notNull("events", events);
    for (AuditEvent event : events) {
      write(event);
    }
  }
}
