package dev.jitaccess;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Access held for the span of a try-with-resources block: {@link #close()} releases the grant, also when the
 * block throws.
 *
 * <pre>{@code
 * try (GrantHandle handle = jit.acquire(request)) {
 *   deploy(handle.grant().id());
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@code close} is idempotent.
 */
public final class GrantHandle implements AutoCloseable {

  private final JitAccessManager manager;
  private final Grant grant;
  private final AtomicBoolean closed = new AtomicBoolean();

  GrantHandle(JitAccessManager manager, Grant grant) {
    this.manager = manager;
    this.grant = grant;
  }

  /** The grant as it was given. */
  public Grant grant() {
    return grant;
  }

  /** Releases the grant; later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      manager.release(grant.id());
    }
  }

  @Override
  public String toString() {
    return "GrantHandle[" + grant.id() + (closed.get() ? ", closed]" : "]");
  }
}
