package dev.jitaccess.store.jdbc;

import dev.jitaccess.store.ChangeFeed.ChangeListener;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows PostgreSQL notifications: {@code LISTEN} on the store's channel, on the feed's own connection, and
 * report the {@code pg_notify} payloads ({@code kind:id}, sent by the writing transaction and delivered only
 * when it commits) as soon as they arrive, in batches (see {@link FeedWorker}: the channel is open to every
 * login of the database, so what arrives is only a hint to re-read, never trusted as data). Every heartbeat a
 * {@code SELECT 1} proves the connection alive (a terminated backend or a dead socket fails it) before the feed
 * says so.
 *
 * <p>This is the only class of jit-core that uses the pgjdbc driver's API; it is loaded only when the driver
 * is on the classpath. When the connection cannot be unwrapped to a pgjdbc connection (another driver, a pool
 * that hides it), it falls back to polling the change log, with a warning.
 */
final class NotifyFeed extends PollingFeed {

  private static final Logger log = LoggerFactory.getLogger(JdbcGrantStore.class);

  private volatile boolean polling = true;
  private volatile boolean connected;

  NotifyFeed(JdbcGrantStore.FeedSettings settings, ChangeListener listener) {
    super(settings, listener);
  }

  @Override
  boolean listening() {
    return connected && !polling;
  }

  @Override
  void connect(Connection connection) throws SQLException {
    connected = false;
    polling = !connection.isWrapperFor(PGConnection.class);
    if (polling) {
      log.warn("the JDBC grant store's connections are not pgjdbc connections ({}); its change feed polls the "
          + "change log instead of listening", connection.getClass().getName());
      super.connect(connection);
      return;
    }
    try (Statement listen = connection.createStatement()) {
      listen.execute("LISTEN " + settings.quotedChannel());
    }
    connected = true;
  }

  @Override
  void follow(Connection connection) throws SQLException {
    if (polling) {
      super.follow(connection);
      return;
    }
    PGConnection pg = connection.unwrap(PGConnection.class);
    try (Statement ping = connection.createStatement()) {
      long nextBeat = System.nanoTime() + settings.heartbeatNanos();
      while (!stopped()) {
        long wait = Math.min(nextBeat - System.nanoTime(), MAX_WAIT_NANOS);
        collect(pg.getNotifications((int) Math.max(1, wait / 1_000_000L)));
        boolean beat = System.nanoTime() - nextBeat >= 0;
        if (beat) {
          try (ResultSet rs = ping.executeQuery("SELECT 1")) {
            rs.next();
          }
          collect(pg.getNotifications()); // whatever came in with the reply, before saying we are up to date
        }
        flush(); // bounded however many arrived, so a flood holds the heartbeat back by one batch at most
        if (beat) {
          alive();
          nextBeat = System.nanoTime() + settings.heartbeatNanos();
          maybePrune(connection);
        }
      }
    }
  }

  /** Takes the payloads, {@code kind:id}, into the batch; anyone who can log in may have sent them. */
  private void collect(PGNotification[] notifications) {
    if (notifications == null) {
      return;
    }
    for (PGNotification n : notifications) {
      String payload = n.getParameter();
      if (!settings.channel().equals(n.getName())) {
        continue; // a channel this connection listens to for someone else (a pooled connection's earlier user)
      }
      if (payload != null && payload.length() > 2 && payload.charAt(1) == ':') {
        hint(payload.substring(0, 1), payload.substring(2));
      } else {
        ignored(payload);
      }
    }
  }
}
