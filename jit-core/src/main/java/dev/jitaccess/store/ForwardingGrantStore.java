package dev.jitaccess.store;

import dev.jitaccess.BreakGlassReview;
import dev.jitaccess.Grant;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.util.List;
import java.util.Optional;

/**
 * A {@link GrantStore} that passes every call on to another store: a decorator (metrics, tracing, a cache, faults
 * in a test) extends it and overrides only what it changes, as with Guava's {@code Forwarding*} classes. When
 * {@link GrantStore} gains a method, this class forwards it too, so decorators keep compiling and keep working.
 *
 * <p>It forwards the {@link GrantStore} methods and nothing else. In particular a delegate's {@link ChangeFeed}
 * is not forwarded: a manager built on a forwarding store over a shared (JDBC) store would not hear other
 * instances' changes. A decorator of such a store also implements {@link ChangeFeed} and passes
 * {@link ChangeFeed#subscribe} on.
 */
public abstract class ForwardingGrantStore implements GrantStore {

  private final GrantStore delegate;

  /** @throws IllegalArgumentException if {@code delegate} is null */
  protected ForwardingGrantStore(GrantStore delegate) {
    this.delegate = Validate.notNull("delegate", delegate);
  }

  /** The store every call goes on to. */
  protected final GrantStore delegate() {
    return delegate;
  }

  @Override
  public void save(Grant grant) {
    delegate.save(grant);
  }

  @Override
  public boolean compareAndSet(long expectedVersion, Grant updated) {
    return delegate.compareAndSet(expectedVersion, updated);
  }

  /**
   * Row by row through {@link #compareAndSet} of this store, not the delegate's batch: a decorator that overrides
   * {@code compareAndSet} (to check, count or fail it) then sees every row of a batch too. A decorator that does not
   * change {@code compareAndSet} may override this to call {@code delegate().compareAndSetAll} and keep the
   * delegate's one round trip.
   */
  @Override
  public boolean[] compareAndSetAll(List<Update> updates) {
    return GrantStore.super.compareAndSetAll(updates);
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

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate + "]";
  }
}
