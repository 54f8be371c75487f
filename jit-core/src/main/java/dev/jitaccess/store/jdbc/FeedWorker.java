package dev.jitaccess.store.jdbc;

import dev.jitaccess.store.ChangeFeed.ChangeListener;
import jakarta.annotation.Nullable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscription to a {@link JdbcGrantStore}'s change feed: a daemon thread that holds one connection of its
 * own, follows the other instances' changes on it and reports them to one listener, one call at a time.
 *
 * <p>The thread's life: connect, let the subclass position itself ({@link #connect}), tell the listener to
 * {@link ChangeListener#resync resync} (it may have missed anything before), then {@link #follow} until closed
 * or until the connection fails. Following calls {@link ChangeListener#alive} after every successful round
 * trip to the database, and at least every heartbeat. On any failure the connection is dropped, nothing is
 * reported (so the engine's staleness bound runs out and its checks are denied) and the thread reconnects,
 * first after the poll interval, then backing off up to the heartbeat; a reconnection resyncs again.
 * {@link #close} stops the thread within about half a second (the longest single wait) and waits for it.
 *
 * <p>Every few minutes (a quarter of the change log retention) the thread also prunes the change log: it notes
 * the highest sequence number, and deletes the rows up to a number it noted at least one retention ago.
 */
abstract class FeedWorker implements Runnable, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JdbcGrantStore.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  /** The longest the thread blocks in one call, so that close is prompt. */
  static final long MAX_WAIT_NANOS = 500_000_000L;

  final JdbcGrantStore.FeedSettings settings;
  private final ChangeListener listener;
  private final Thread thread;
  private volatile boolean stopped;
  private long nextPrune;
  private final ArrayDeque<long[]> pruneMarks = new ArrayDeque<>();
  private boolean pruneFailureLogged;

  FeedWorker(JdbcGrantStore.FeedSettings settings, ChangeListener listener) {
    this.settings = settings;
    this.listener = listener;
    this.thread = new Thread(this, "jit-jdbc-feed-" + THREADS.incrementAndGet());
    this.thread.setDaemon(true);
  }

  final void start() {
    nextPrune = System.nanoTime() + settings.pruneEveryNanos();
    thread.start();
  }

  final boolean stopped() {
    return stopped;
  }

  /** Whether the feed follows notifications (rather than polling), as of its last connection. */
  boolean listening() {
    return false;
  }

  /** Positions the feed on a fresh connection, before the listener is told to resync. */
  abstract void connect(Connection connection) throws SQLException;

  /** Follows the changes until {@link #stopped()}; throws when the connection fails. */
  abstract void follow(Connection connection) throws SQLException;

  @Override
  public final void run() {
    long backoff = settings.pollIntervalNanos();
    boolean outage = false;
    while (!stopped) {
      try (Connection connection = settings.dataSource().getConnection()) {
        prepare(connection);
        connect(connection);
        resync();
        if (outage) {
          log.info("the JDBC grant store's change feed is connected again and resynced ({})", thread.getName());
        }
        outage = false;
        backoff = settings.pollIntervalNanos();
        follow(connection);
      } catch (SQLException | RuntimeException e) {
        if (stopped) {
          break;
        }
        if (!outage) {
          log.warn("the JDBC grant store's change feed lost its connection ({}); reconnecting, and checks are "
              + "denied once the staleness bound passes without it: {}", thread.getName(), e.toString());
          outage = true;
        } else {
          log.debug("the JDBC grant store's change feed could not reconnect yet: {}", e.toString());
        }
      }
      pause(backoff);
      backoff = Math.min(backoff * 2, settings.heartbeatNanos());
    }
  }

  private void prepare(Connection connection) throws SQLException {
    if (!connection.getAutoCommit()) {
      connection.setAutoCommit(true); // every poll must see what committed since the last one
    }
    try {
      // A connection that silently died must not block the feed forever: it is dropped and replaced.
      long timeout = Math.max(2 * settings.heartbeatNanos(), 2_000_000_000L) / 1_000_000L;
      connection.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, timeout));
    } catch (SQLFeatureNotSupportedException | UnsupportedOperationException e) {
      // H2 embedded has no network to time out.
    }
  }

  // ---------------------------------------------------------------------------------- reporting, guarded

  final void grantChanged(String id) {
    try {
      listener.grantChanged(id);
    } catch (RuntimeException e) {
      log.warn("a change feed listener failed on grant {}", id, e);
    }
  }

  final void requestChanged(String id) {
    try {
      listener.requestChanged(id);
    } catch (RuntimeException e) {
      log.warn("a change feed listener failed on request {}", id, e);
    }
  }

  /** Reports one change log entry: {@code G} grant, {@code R} request; other kinds concern nobody here. */
  final void changed(@Nullable String kind, @Nullable String id) {
    if (kind == null || id == null || kind.isEmpty()) {
      return;
    }
    switch (kind.charAt(0)) {
      case JdbcGrantStore.GRANT -> grantChanged(id);
      case JdbcGrantStore.REQUEST -> requestChanged(id);
      default -> { }
    }
  }

  final void resync() {
    try {
      listener.resync();
    } catch (RuntimeException e) {
      log.warn("a change feed listener failed to resync", e);
    }
  }

  final void alive() {
    try {
      listener.alive();
    } catch (RuntimeException e) {
      log.warn("a change feed listener failed on a heartbeat", e);
    }
  }

  // -------------------------------------------------------------------------------------------- pruning

  /** Deletes change log rows older than the retention, at most every quarter retention. */
  final void maybePrune(Connection connection) {
    long now = System.nanoTime();
    if (now - nextPrune < 0) {
      return;
    }
    nextPrune = now + settings.pruneEveryNanos();
    try {
      long highest;
      try (PreparedStatement max = connection.prepareStatement(settings.maxSeqSql());
          ResultSet rs = max.executeQuery()) {
        highest = rs.next() ? rs.getLong(1) : 0;
      }
      pruneMarks.addLast(new long[] {now, highest});
      long cutoff = 0;
      while (!pruneMarks.isEmpty() && now - pruneMarks.peekFirst()[0] >= settings.retentionNanos()) {
        cutoff = pruneMarks.pollFirst()[1];
      }
      if (cutoff > 0) {
        try (PreparedStatement delete = connection.prepareStatement(settings.pruneSql())) {
          delete.setLong(1, cutoff);
          int deleted = delete.executeUpdate();
          log.debug("pruned {} change log rows up to sequence number {}", deleted, cutoff);
        }
      }
    } catch (SQLException e) {
      if (!pruneFailureLogged) {
        pruneFailureLogged = true;
        log.warn("the JDBC grant store could not prune its change log {}: {}", settings.changesTable(), e.toString());
      }
    }
  }

  // ------------------------------------------------------------------------------------------ lifecycle

  /** Waits up to {@code nanos}, or less when closed. */
  final void pause(long nanos) {
    long deadline = System.nanoTime() + nanos;
    long left;
    while (!stopped && (left = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(this, left);
    }
  }

  /** Stops the thread and waits for it to let go of its connection. Never interrupts: drivers take that badly. */
  @Override
  public final void close() {
    stopped = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(4 * MAX_WAIT_NANOS / 1_000_000L + settings.heartbeatNanos() / 1_000_000L);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  final String threadName() {
    return thread.getName();
  }
}
