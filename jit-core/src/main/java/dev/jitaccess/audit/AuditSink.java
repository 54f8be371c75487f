package dev.jitaccess.audit;

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
}
