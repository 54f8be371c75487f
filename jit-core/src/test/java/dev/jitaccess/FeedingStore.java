package dev.jitaccess;

import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One in-memory store shared by several managers, with a change feed that reports every write to every
 * subscriber at once (on the writing thread), as a database with notifications would, only faster.
 */
final class FeedingStore extends ForwardingGrantStore implements ChangeFeed {

  private final List<ChangeListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean silent;
  private volatile boolean unreadable;

  FeedingStore() {
    super(new InMemoryGrantStore());
  }

  @Override
  public AutoCloseable subscribe(ChangeListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Stops reporting anything, as a dropped connection would. */
  void goSilent() {
    silent = true;
  }

  /** Reconnects: reports that changes may have been missed. */
  void reconnect() {
    silent = false;
    listeners.forEach(ChangeListener::resync);
  }

  /** Makes {@link #findActive} fail, as a store whose pool is exhausted would, while the feed stays connected. */
  void unreadable(boolean unreadable) {
    this.unreadable = unreadable;
  }

  @Override
  public List<Grant> findActive() {
    if (unreadable) {
      throw new dev.jitaccess.store.GrantStoreException("the test made the store unreadable");
    }
    return super.findActive();
  }

  void heartbeat() {
    if (!silent) {
      listeners.forEach(ChangeListener::alive);
    }
  }

  private void grantChanged(String grantId) {
    if (!silent) {
      listeners.forEach(l -> l.grantChanged(grantId));
    }
  }

  private void requestChanged(String requestId) {
    if (!silent) {
      listeners.forEach(l -> l.requestChanged(requestId));
    }
  }

  @Override
  public void save(Grant grant) {
    super.save(grant);
    grantChanged(grant.id());
  }

  @Override
  public boolean compareAndSet(long expectedVersion, Grant updated) {
    boolean changed = super.compareAndSet(expectedVersion, updated);
    if (changed) {
      grantChanged(updated.id());
    }
    return changed;
  }

  @Override
  public void saveRequest(RequestRecord request) {
    super.saveRequest(request);
    requestChanged(request.id());
  }

  @Override
  public boolean compareAndSetRequest(long expectedVersion, RequestRecord updated) {
    boolean changed = super.compareAndSetRequest(expectedVersion, updated);
    if (changed) {
      requestChanged(updated.id());
    }
    return changed;
  }
}
