package dev.jitaccess.store.jdbc;

import dev.jitaccess.internal.Validate;
import dev.jitaccess.store.ChangeFeed.ChangeListener;
import jakarta.annotation.Nullable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
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
 * <h2>Hints come in batches</h2>
 *
 * What the subclass reads (change log rows, notifications) it hands to {@link #hint}, which keeps one entry per
 * kind and id; {@link #flush} then reports each once, or, past {@value #MAX_HINTS_PER_BATCH} distinct ids, tells
 * the listener to resync instead (one read of the active grants, whatever the number of hints). A hint that is not
 * the store's shape ({@code G}, {@code R} or {@code B}, then an id {@link Validate#isId} takes) is ignored and
 * counted. So the work between two heartbeats is bounded whatever arrives: on PostgreSQL any login of the
 * database can {@code pg_notify} the channel (there is no privilege on it), and a flood of forged hints costs a
 * few resyncs, never a read per hint that would hold the heartbeat back until the manager's staleness bound ran
 * out. The heartbeat still waits for the hints heard before it, so it never claims a change it has not applied.
 *
 * <p>Every few minutes (a quarter of the change log retention) the thread also prunes the change log: it notes
 * the highest sequence number, and deletes the rows up to a number it noted at least one retention ago.
 */
abstract class FeedWorker implements Runnable, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JdbcGrantStore.class);
  private static final AtomicInteger THREADS = new AtomicInteger();
  /** The longest the thread blocks in one call, so that close is prompt. */
  static final long MAX_WAIT_NANOS = 500_000_000L;
  /** Past this many distinct ids in one batch, one resync costs less than reading each: the listener resyncs. */
  static final int MAX_HINTS_PER_BATCH = 256;

  final JdbcGrantStore.FeedSettings settings;
  private final ChangeListener listener;
  private final Thread thread;
  private volatile boolean stopped;
  private long nextPrune;
  private final ArrayDeque<long[]> pruneMarks = new ArrayDeque<>();
  private boolean pruneFailureLogged;
  /** The hints since the last flush, once each: the kind's letter, then the id. It and what follows: feed thread. */
  private final LinkedHashSet<String> batch = new LinkedHashSet<>();
  private boolean resyncDue;
  private long ignoredHints;

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
        resyncLater(); // what an earlier connection heard is covered by this resync
        flush();
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

  /**
   * Takes one change log entry or notification into the batch: {@code G} grant, {@code R} request, {@code B}
   * break-glass review (which concerns nobody here). Anything else is not the store's: ignored, and counted.
   */
  final void hint(@Nullable String kind, @Nullable String id) {
    if (kind == null || kind.length() != 1 || !Validate.isId(id)) {
      ignored(kind == null ? String.valueOf(id) : kind + ":" + id);
      return;
    }
    switch (kind.charAt(0)) {
      case JdbcGrantStore.GRANT, JdbcGrantStore.REQUEST -> {
        if (!resyncDue && batch.add(kind + id) && batch.size() > MAX_HINTS_PER_BATCH) {
          resyncLater();
        }
      }
      case JdbcGrantStore.REVIEW -> { }
      default -> ignored(kind + ":" + id);
    }
  }

  /** Something that is not a change of the store's arrived; the first one per subscription is logged. */
  final void ignored(@Nullable String what) {
    if (ignoredHints++ == 0) {
      log.warn("the JDBC grant store's change feed ignored a notification that is not the store's ({}): a login "
          + "of the database other than the store notifies its channel {}; see the README on what the database is "
          + "trusted for", Validate.show(what), Validate.show(settings.channel()));
    }
  }

  /** How many hints were ignored, as not of the store's shape. */
  final long ignoredHints() {
    return ignoredHints;
  }

  /** The listener must read everything again at the next {@link #flush}, which covers what the batch holds. */
  final void resyncLater() {
    batch.clear();
    resyncDue = true;
  }

  /** Reports the batch and empties it: one refresh per id, or one resync when it overflowed or one is due. */
  final void flush() {
    if (resyncDue) {
      resyncDue = false;
      resync();
      return;
    }
    for (String hint : batch) {
      if (hint.charAt(0) == JdbcGrantStore.GRANT) {
        grantChanged(hint.substring(1));
      } else {
        requestChanged(hint.substring(1));
      }
    }
    batch.clear();
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
