package dev.jitaccess;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link JitAccessManager} that passes every call on to another manager: a decorator (metrics, tracing, extra
 * logging) extends it and overrides only what it watches, as with Guava's {@code Forwarding*} classes. When
 * {@link JitAccessManager} gains a method, this class forwards it too.
 *
 * <p>Default methods of the interface, such as {@link #isAllowed}, are not forwarded: they run here and go
 * through this class's own methods ({@code isAllowed} through {@link #check}), so a decorator that overrides
 * {@code check} sees them too.
 */
public abstract class ForwardingJitAccessManager implements JitAccessManager {

  private final JitAccessManager delegate;

  /** @throws IllegalArgumentException if {@code delegate} is null */
  protected ForwardingJitAccessManager(JitAccessManager delegate) {
    this.delegate = Validate.notNull("delegate", delegate);
  }

  /** The manager every call goes on to. */
  protected final JitAccessManager delegate() {
    return delegate;
  }

  @Override
  public RequestOutcome request(AccessRequest request) {
    return delegate.request(request);
  }

  @Override
  public RequestOutcome approve(String requestId, Subject approver, @Nullable String comment) {
    return delegate.approve(requestId, approver, comment);
  }

  @Override
  public RequestOutcome deny(String requestId, Subject approver, String reason) {
    return delegate.deny(requestId, approver, reason);
  }

  @Override
  public boolean cancel(String requestId, Subject actor) {
    return delegate.cancel(requestId, actor);
  }

  @Override
  public List<RequestRecord> pendingRequests() {
    return delegate.pendingRequests();
  }

  @Override
  public Optional<RequestRecord> requestRecord(String requestId) {
    return delegate.requestRecord(requestId);
  }

  @Override
  public List<RequestRecord> pendingRequestsFor(Subject approver) {
    return delegate.pendingRequestsFor(approver);
  }

  @Override
  public List<BreakGlassReview> breakGlassReviews() {
    return delegate.breakGlassReviews();
  }

  @Override
  public boolean acknowledgeReview(String grantId, Subject reviewer, @Nullable String comment) {
    return delegate.acknowledgeReview(grantId, reviewer, comment);
  }

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    return delegate.check(subject, resource, action);
  }

  @Override
  public Grant extend(String grantId, Duration more, @Nullable String justification) {
    return delegate.extend(grantId, more, justification);
  }

  @Override
  public Grant extend(String grantId, Duration more, @Nullable String justification, Subject actor) {
    return delegate.extend(grantId, more, justification, actor);
  }

  @Override
  public boolean release(String grantId) {
    return delegate.release(grantId);
  }

  @Override
  public boolean release(String grantId, Subject actor) {
    return delegate.release(grantId, actor);
  }

  @Override
  public boolean revoke(String grantId, Subject actor, String reason) {
    return delegate.revoke(grantId, actor, reason);
  }

  @Override
  public int revokeAll(Subject subject, Subject actor, String reason) {
    return delegate.revokeAll(subject, actor, reason);
  }

  @Override
  public Optional<Grant> grant(String grantId) {
    return delegate.grant(grantId);
  }

  @Override
  public Optional<Credential> credential(String grantId) {
    return delegate.credential(grantId);
  }

  @Override
  public List<Grant> activeGrants(Subject subject) {
    return delegate.activeGrants(subject);
  }

  @Override
  public GrantHandle acquire(AccessRequest request) {
    return delegate.acquire(request);
  }

  @Override
  public GrantHandle acquireBound(AccessRequest request) {
    return delegate.acquireBound(request);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
