package dev.jitaccess;

import dev.jitaccess.store.GrantStore;
import java.util.List;
import java.util.Optional;

/** A store that passes every call on; tests override what they want to break. */
class ForwardingGrantStore implements GrantStore {

  private final GrantStore delegate;

  ForwardingGrantStore(GrantStore delegate) {
    this.delegate = delegate;
  }

  /** An in-memory store that fails every compare-and-set to {@code EXPIRED}: expiries cannot be recorded. */
  static ForwardingGrantStore unableToRecordExpiry() {
    return new ForwardingGrantStore(new dev.jitaccess.store.InMemoryGrantStore()) {
      @Override
      public boolean compareAndSet(long expectedVersion, Grant updated) {
        if (updated.state() == GrantState.EXPIRED) {
          throw new IllegalStateException("store unavailable");
        }
        return super.compareAndSet(expectedVersion, updated);
      }
    };
  }

  @Override
  public void save(Grant grant) {
    delegate.save(grant);
  }

  @Override
  public boolean compareAndSet(long expectedVersion, Grant updated) {
    return delegate.compareAndSet(expectedVersion, updated);
  }

  @Override
  public Optional<Grant> findById(String grantId) {
    return delegate.findById(grantId);
  }

  @Override
  public List<Grant> findActiveBySubject(Subject subject) {
    return delegate.findActiveBySubject(subject);
  }

  @Override
  public List<Grant> findActive() {
    return delegate.findActive();
  }

  @Override
  public void saveRequest(RequestRecord request) {
    delegate.saveRequest(request);
  }

  @Override
  public boolean compareAndSetRequest(long expectedVersion, RequestRecord updated) {
    return delegate.compareAndSetRequest(expectedVersion, updated);
  }

  @Override
  public Optional<RequestRecord> findRequest(String requestId) {
    return delegate.findRequest(requestId);
  }

  @Override
  public List<RequestRecord> findPendingRequests() {
    return delegate.findPendingRequests();
  }

  @Override
  public void saveReview(BreakGlassReview review) {
    delegate.saveReview(review);
  }

  @Override
  public boolean compareAndSetReview(long expectedVersion, BreakGlassReview updated) {
    return delegate.compareAndSetReview(expectedVersion, updated);
  }

  @Override
  public Optional<BreakGlassReview> findReview(String grantId) {
    return delegate.findReview(grantId);
  }

  @Override
  public List<BreakGlassReview> findOpenReviews() {
    return delegate.findOpenReviews();
  }
}
