package dev.jitaccess;

import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An in-memory store whose compare-and-set can be held at a gate, to freeze a transition mid-way. */
final class BlockingStore extends ForwardingGrantStore {

  private volatile CountDownLatch gate;
  private final CountDownLatch entered = new CountDownLatch(1);

  BlockingStore() {
    super(new InMemoryGrantStore());
  }

  void blockCompareAndSet() {
    gate = new CountDownLatch(1);
  }

  void awaitBlockedCompareAndSet() throws InterruptedException {
    if (!entered.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("nobody reached compareAndSet");
    }
  }

  void unblock() {
    gate.countDown();
  }

  @Override
  public boolean compareAndSet(long expectedVersion, dev.jitaccess.Grant updated) {
    CountDownLatch g = gate;
    if (g != null) {
      entered.countDown();
      try {
        g.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return super.compareAndSet(expectedVersion, updated);
  }
}
