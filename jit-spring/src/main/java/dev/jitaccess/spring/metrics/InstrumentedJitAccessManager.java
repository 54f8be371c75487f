package dev.jitaccess.spring.metrics;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessNotGrantedException;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.Credential;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Delegates to a manager and counts its requests and checks into {@link JitAccessMetrics}. */
final class InstrumentedJitAccessManager implements JitAccessManager {

  private final JitAccessManager delegate;
  private final JitAccessMetrics metrics;

  InstrumentedJitAccessManager(JitAccessManager delegate, JitAccessMetrics metrics) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  @Override
  public RequestOutcome request(AccessRequest request) {
    RequestOutcome outcome = delegate.request(request);
    metrics.recordRequest(outcome);
    return outcome;
  }

  @Override
  public GrantHandle acquire(AccessRequest request) {
    GrantHandle handle;
    try {
      handle = delegate.acquire(request);
    } catch (AccessNotGrantedException e) {
      metrics.recordRequest(e.outcome());
      throw e;
    }
    metrics.recordRequest(new RequestOutcome.Granted(handle.grant()));
    return handle;
  }

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    AccessDecision decision = delegate.check(subject, resource, action);
    metrics.recordCheck(decision);
    return decision;
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
  public List<RequestRecord> pendingRequests() {
    return delegate.pendingRequests();
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
  public Grant extend(String grantId, Duration more, @Nullable String justification) {
    return delegate.extend(grantId, more, justification);
  }

  @Override
  public boolean release(String grantId) {
    return delegate.release(grantId);
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
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return "Instrumented[" + delegate + "]";
  }
}
