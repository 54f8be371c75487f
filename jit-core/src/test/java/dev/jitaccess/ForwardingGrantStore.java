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
}
