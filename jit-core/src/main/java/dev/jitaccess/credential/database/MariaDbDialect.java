package dev.jitaccess.credential.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * MariaDB 10.4+ and MySQL 8: a login is a user at one host pattern. Neither has a login expiry to set, so the
 * sweeper and the engine's ends are what remove it; {@code ACCOUNT LOCK} keeps a login that cannot be dropped
 * from connecting. Sessions are ended one by one with {@code KILL CONNECTION}, after the lock, so no new one can
 * start in between. Stateless and thread-safe.
 */
final class MariaDbDialect implements DatabaseDialect {

  private static final int UNKNOWN_THREAD = 1094;

  private final String host;

  MariaDbDialect(String host) {
    this.host = host;
  }

  @Override
  public String name() {
    return "mariadb";
  }

  @Override
  public int maxLoginNameLength() {
    return 32; // MySQL's limit; MariaDB allows 80, a name must work on both
  }

  @Override
  public String quoteIdentifier(String identifier) {
    return '`' + identifier.replace("`", "``") + '`';
  }

  @Override
  public String grantee(String login) {
    return literal(login) + "@" + literal(host);
  }

  @Override
  public void createLogin(Connection admin, String login, String password, Instant validUntil) throws SQLException {
    execute(admin, "CREATE USER " + grantee(login) + " IDENTIFIED BY " + literal(password));
  }

  @Override
  public void lockLogin(Connection admin, String login) throws SQLException {
    execute(admin, "ALTER USER IF EXISTS " + grantee(login) + " ACCOUNT LOCK");
  }

  @Override
  public int terminateSessions(Connection admin, String login) throws SQLException {
    int ended = 0;
    for (long id : sessions(admin, login)) {
      try {
        execute(admin, "KILL CONNECTION " + id);
        ended++;
      } catch (SQLException e) {
        if (e.getErrorCode() != UNKNOWN_THREAD) {
          throw e;
        }
      }
    }
    return ended;
  }

  @Override
  public boolean hasSessions(Connection admin, String login) throws SQLException {
    return !sessions(admin, login).isEmpty();
  }

  @Override
  public void dropLogin(Connection admin, String login) throws SQLException {
    execute(admin, "DROP USER IF EXISTS " + grantee(login));
  }

  @Override
  public List<String> loginsWithPrefix(Connection admin, String prefix) throws SQLException {
    List<String> logins = new ArrayList<>();
    try (PreparedStatement s = admin.prepareStatement(
        "SELECT User FROM mysql.user WHERE Host = ? AND LEFT(User, ?) = ? ORDER BY User")) {
      s.setString(1, host);
      s.setInt(2, prefix.length());
      s.setString(3, prefix);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          logins.add(rs.getString(1));
        }
      }
    }
    return logins;
  }

  @Override
  public boolean exists(Connection admin, String login) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement("SELECT 1 FROM mysql.user WHERE Host = ? AND User = ?")) {
      s.setString(1, host);
      s.setString(2, login);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Override
  public void acquireAdvisoryLock(Connection admin, String login) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement("SELECT GET_LOCK(?, 60)")) {
      s.setString(1, login);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next() || rs.getInt(1) != 1) {
          throw new SQLException("could not take the lock on login " + login + " within 60 s");
        }
      }
    }
  }

  @Override
  public void releaseAdvisoryLock(Connection admin, String login) throws SQLException {
    try (PreparedStatement s = admin.prepareStatement("SELECT RELEASE_LOCK(?)")) {
      s.setString(1, login);
      s.executeQuery().close();
    }
  }

  private static List<Long> sessions(Connection admin, String login) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (PreparedStatement s = admin.prepareStatement(
        "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()")) {
      s.setString(1, login);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
    }
    return ids;
  }

  /**
   * A string literal. Whether a backslash escapes depends on the server's {@code NO_BACKSLASH_ESCAPES} mode, so
   * instead of guessing, anything but the characters logins, passwords and host patterns are made of is refused.
   */
  private static String literal(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.' || c == '%' || c == ':';
      if (!plain) {
        throw new IllegalArgumentException("a MariaDB literal may hold only letters, digits and _-.%: (got char "
            + (int) c + ")");
      }
    }
    return "'" + value + "'";
  }

  private static void execute(Connection admin, String sql) throws SQLException {
    try (Statement s = admin.createStatement()) {
      s.execute(sql);
    }
  }
}
