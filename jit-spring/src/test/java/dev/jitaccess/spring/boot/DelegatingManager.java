package dev.jitaccess.spring.boot;

import dev.jitaccess.AccessDecision;
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
import java.util.Optional;

/** Delegates every call; tests override what they watch. */
abstract class DelegatingManager implements JitAccessManager {

  final JitAccessManager delegate;

  DelegatingManager(JitAccessManager delegate) {
    this.delegate = delegate;
  }

  @Override
  public RequestOutcome request(AccessRequest request) {
    return delegate.request(request);
  }

  @Override
  public GrantHandle acquire(AccessRequest request) {
    return delegate.acquire(request);
  }

  @Override
  public AccessDecision check(@Nullable Subject subject, @Nullable String resource, @Nullable String action) {
    return delegate.check(subject, resource, action);
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

}
