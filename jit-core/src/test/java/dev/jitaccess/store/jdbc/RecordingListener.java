package dev.jitaccess.store.jdbc;

import dev.jitaccess.store.ChangeFeed;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a change feed reports, for tests to await. */
final class RecordingListener implements ChangeFeed.ChangeListener {

  final List<String> grants = new CopyOnWriteArrayList<>();
  final List<String> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger resyncs = new AtomicInteger();
  final AtomicInteger alives = new AtomicInteger();
  final List<String> threads = new CopyOnWriteArrayList<>();

  @Override
  public void grantChanged(String grantId) {
    grants.add(grantId);
    seen();
  }

  @Override
  public void requestChanged(String requestId) {
    requests.add(requestId);
    seen();
  }

  @Override
  public void resync() {
    resyncs.incrementAndGet();
    seen();
  }

  @Override
  public void alive() {
    alives.incrementAndGet();
    seen();
  }

  private void seen() {
    String name = Thread.currentThread().getName();
    if (!threads.contains(name)) {
      threads.add(name);
    }
  }
}
