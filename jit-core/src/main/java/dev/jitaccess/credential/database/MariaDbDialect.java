package dev.jitaccess.credential.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
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
    AdminSql.execute(admin, "CREATE USER " + grantee(login) + " IDENTIFIED BY " + literal(password));
  }

  @Override
  public void lockLogin(Connection admin, String login) throws SQLException {
    AdminSql.execute(admin, "ALTER USER IF EXISTS " + grantee(login) + " ACCOUNT LOCK");
  }

  @Override
  public int terminateSessions(Connection admin, String login) throws SQLException {
    int ended = 0;
    for (String id : sessions(admin, login)) {
      try {
        AdminSql.execute(admin, "KILL CONNECTION " + Long.parseLong(id));
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
    AdminSql.execute(admin, "DROP USER IF EXISTS " + grantee(login));
  }

  @Override
  public List<String> loginsWithPrefix(Connection admin, String prefix) throws SQLException {
    return AdminSql.strings(admin, "SELECT User FROM mysql.user WHERE Host = ? AND LEFT(User, ?) = ? ORDER BY User",
        host, prefix.length(), prefix);
  }

  @Override
  public boolean exists(Connection admin, String login) throws SQLException {
    return AdminSql.hasRow(admin, "SELECT 1 FROM mysql.user WHERE Host = ? AND User = ?", host, login);
  }

  @Override
  public void acquireAdvisoryLock(Connection admin, String login) throws SQLException {
    if (AdminSql.firstInt(admin, "SELECT GET_LOCK(?, 60)", login) != 1) {
      throw new SQLException("could not take the lock on login " + login + " within 60 s");
    }
  }

  @Override
  public void releaseAdvisoryLock(Connection admin, String login) throws SQLException {
    AdminSql.hasRow(admin, "SELECT RELEASE_LOCK(?)", login);
  }

  private static List<String> sessions(Connection admin, String login) throws SQLException {
    return AdminSql.strings(admin,
        "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND ID <> CONNECTION_ID()", login);
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
}
