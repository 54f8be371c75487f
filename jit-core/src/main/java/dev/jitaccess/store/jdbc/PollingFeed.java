package dev.jitaccess.store.jdbc;

import dev.jitaccess.store.ChangeFeed.ChangeListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Follows the change log by its sequence number: every poll interval it reads the rows after the highest number
 * seen, reports them, and says the feed is alive.
 *
 * <p>Sequence numbers are handed out when a transaction writes its change row, but become visible when it
 * commits, so two concurrent writers may show up out of order: a poll can see number 12 while 11 is still
 * committing. A number skipped that way is a <em>hole</em>; holes are re-read on every poll and their rows
 * reported when they appear. A hole still empty after {@link #HOLE_RESYNC_NANOS} is a gap the feed cannot
 * explain (a rolled-back write, a sequence that skipped after a crash, or rows pruned while this instance was
 * away), so the listener is told to resync; the hole is still watched until {@link #HOLE_FORGET_NANOS}, in case
 * it was only a slow commit. When the feed connects it treats the last {@link #LOOKBACK} numbers before the
 * highest one the same way, since a write in flight then may commit just after.
 */
class PollingFeed extends FeedWorker {

  /** Rows read per query; a full batch is followed by another poll at once. */
  static final int BATCH = 1000;
  /** How many numbers below the highest are checked for holes on connecting. */
  static final int LOOKBACK = 1000;
  /** A gap larger than this is not tracked number by number: the listener resyncs at once. */
  static final int MAX_HOLES = 10_000;
  static final long HOLE_RESYNC_NANOS = 2_000_000_000L;
  static final long HOLE_FORGET_NANOS = 60_000_000_000L;

  private long highest;
  /** Missing sequence numbers below {@link #highest}: when first missed, and whether a resync was asked for. */
  private final TreeMap<Long, long[]> holes = new TreeMap<>();

  PollingFeed(JdbcGrantStore.FeedSettings settings, ChangeListener listener) {
    super(settings, listener);
  }

  @Override
  void connect(Connection connection) throws SQLException {
    holes.clear();
    long top;
    try (PreparedStatement max = connection.prepareStatement(settings.maxSeqSql());
        ResultSet rs = max.executeQuery()) {
      top = rs.next() ? rs.getLong(1) : 0;
    }
    long from = Math.max(0, top - LOOKBACK);
    long now = System.nanoTime();
    for (long seq = from + 1; seq <= top; seq++) {
      holes.put(seq, new long[] {now, 0});
    }
    try (PreparedStatement present = connection.prepareStatement(settings.rangeSql())) {
      present.setLong(1, from + 1);
      present.setLong(2, top);
      try (ResultSet rs = present.executeQuery()) {
        while (rs.next()) {
          holes.remove(rs.getLong(1)); // committed already: the resync that follows covers it
        }
      }
    }
    highest = top;
  }

  @Override
  void follow(Connection connection) throws SQLException {
    try (PreparedStatement after = connection.prepareStatement(settings.afterSql());
        PreparedStatement range = connection.prepareStatement(settings.rangeSql())) {
      after.setMaxRows(BATCH);
      while (!stopped()) {
        boolean full = poll(after, range);
        alive();
        maybePrune(connection);
        if (!full) {
          pause(settings.pollIntervalNanos());
        }
      }
    }
  }

  /** One poll: new rows, then the holes, then what they said. Returns whether the batch of new rows was full. */
  private boolean poll(PreparedStatement after, PreparedStatement range) throws SQLException {
    int rows = 0;
    after.setLong(1, highest);
    try (ResultSet rs = after.executeQuery()) {
      long now = System.nanoTime();
      while (rs.next()) {
        rows++;
        long seq = rs.getLong(1);
        if (seq <= highest) {
          continue;
        }
        if (seq - highest - 1 > MAX_HOLES || holes.size() > MAX_HOLES) {
          holes.clear();
          resyncLater();
        } else {
          for (long missing = highest + 1; missing < seq; missing++) {
            holes.put(missing, new long[] {now, 0});
          }
        }
        highest = seq;
        hint(rs.getString(2), rs.getString(3));
      }
    }
    if (!holes.isEmpty()) {
      range.setLong(1, holes.firstKey());
      range.setLong(2, holes.lastKey());
      try (ResultSet rs = range.executeQuery()) {
        while (rs.next()) {
          if (holes.remove(rs.getLong(1)) != null) {
            hint(rs.getString(2), rs.getString(3));
          }
        }
      }
      long now = System.nanoTime();
      for (Iterator<Map.Entry<Long, long[]>> it = holes.entrySet().iterator(); it.hasNext(); ) {
        long[] hole = it.next().getValue();
        long age = now - hole[0];
        if (age >= HOLE_FORGET_NANOS) {
          it.remove();
        } else if (age >= HOLE_RESYNC_NANOS && hole[1] == 0) {
          hole[1] = 1;
          resyncLater();
        }
      }
    }
    flush();
    return rows >= BATCH;
  }
}
