package dev.jitaccess;

import dev.jitaccess.credential.Credential;
import jakarta.annotation.Nullable;
import java.util.Optional;
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

  private final DefaultJitAccessManager manager;
  private final Grant grant;
  private final Credential credential;
  private final AtomicBoolean closed = new AtomicBoolean();

  GrantHandle(DefaultJitAccessManager manager, Grant grant, @Nullable Credential credential) {
    this.manager = manager;
    this.grant = grant;
    this.credential = credential;
  }

  /** The grant as it was given. */
  public Grant grant() {
    return grant;
  }

  /**
   * The credential issued for the grant, when the manager has a {@code CredentialIssuer}. Closing the handle
   * invalidates it. Its secret is for this holder only: never log it.
   */
  public Optional<Credential> credential() {
    return Optional.ofNullable(credential);
  }

  /**
   * Whether this handle's grant allows {@code action} on the concrete {@code resource} now; the one check that
   * allows a grant from {@link JitAccessManager#acquireBound}. Audited as {@link JitAccessManager#check} is.
   */
  public AccessDecision check(@Nullable String resource, @Nullable String action) {
    return manager.checkHeld(grant, resource, action);
  }

  /** Releases the grant (which invalidates its credential); later calls do nothing. */
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
