package dev.jitaccess.credential.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * How one kind of database makes, extends, locks and drops a login, and cuts its sessions: the SPI behind
 * {@link DatabaseCredentialIssuer}. Built in: {@link #postgresql()} and {@link #mariadb()} (also MySQL 8).
 *
 * <p>Every method runs on a connection of the admin data source (a role allowed to create roles), in
 * auto-commit mode, and is called with a login name that {@link DatabaseCredentialIssuer} derived from a grant id
 * (never from user input) and a password drawn from {@code SecureRandom} in a charset that needs no quoting; an
 * implementation still quotes both, as defence in depth. Ending methods must be idempotent: a login that is
 * already gone is success. An implementation is stateless and thread-safe; a team can add Oracle or SQL Server by
 * implementing these methods and running the {@code DatabaseCredentialContract} suite of jit-core's test-jar.
 */
public interface DatabaseDialect {

  /** A short name for logs and errors, such as {@code postgresql}. */
  String name();

  /** The longest login name the database accepts. */
  int maxLoginNameLength();

  /** {@code identifier} quoted so that the database reads it as exactly that name. */
  String quoteIdentifier(String identifier);

  /** {@code login} as privilege statements name it ({@code "jit_x"}; on MariaDB {@code 'jit_x'@'%'}). */
  default String grantee(String login) {
    return quoteIdentifier(login);
  }

  /**
   * Creates a login that can connect with {@code password} until {@code validUntil}, where the database can
   * enforce that itself, and has no privilege yet.
   */
  void createLogin(Connection admin, String login, String password, Instant validUntil) throws SQLException;

  /** Moves the login's own expiry, where the database has one; by default there is none to move. */
  default void extendLogin(Connection admin, String login, Instant validUntil) throws SQLException {}

  /** Makes the login unable to open new sessions; success when it is gone already. */
  void lockLogin(Connection admin, String login) throws SQLException;

  /** Ends every live session of the login; returns how many it ended. */
  int terminateSessions(Connection admin, String login) throws SQLException;

  /** Whether the login still has a live session (one being ended may take a moment to go). */
  boolean hasSessions(Connection admin, String login) throws SQLException;

  /** Drops the login and what it owns; success when it is gone already. */
  void dropLogin(Connection admin, String login) throws SQLException;

  /** Whether the login exists (locked or not). */
  boolean exists(Connection admin, String login) throws SQLException;

  /**
   * Waits for a lock on {@code login} held by this session, so that instances ending the same login take turns
   * and exactly one of them finds it there to drop.
   */
  void acquireAdvisoryLock(Connection admin, String login) throws SQLException;

  /** Releases what {@link #acquireAdvisoryLock} took. */
  void releaseAdvisoryLock(Connection admin, String login) throws SQLException;

  /** Every login whose name starts with {@code prefix}, made by this library or not. */
  List<String> loginsWithPrefix(Connection admin, String prefix) throws SQLException;

  /** PostgreSQL 11+: roles with {@code VALID UNTIL}, SCRAM verifiers computed here so no password reaches a log. */
  static DatabaseDialect postgresql() {
    return new PostgresDialect(null);
  }

  /**
   * PostgreSQL, each login also a member of {@code groupRole}: one name for {@code pg_hba.conf}
   * ({@code host all +groupRole 0.0.0.0/0 scram-sha-256}) and for privileges shared by every login.
   */
  static DatabaseDialect postgresql(String groupRole) {
    return new PostgresDialect(LoginNames.requireSafeName("groupRole", groupRole));
  }

  /** MariaDB 10.4+ and MySQL 8: users at host {@code '%'}, {@code ACCOUNT LOCK}, {@code KILL CONNECTION}. */
  static DatabaseDialect mariadb() {
    return new MariaDbDialect("%");
  }

  /**
   * The built-in dialect for the database behind {@code connection}.
   *
   * @throws IllegalArgumentException naming the product when there is none for it
   */
  static DatabaseDialect detect(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName();
    String lower = product.toLowerCase(Locale.ROOT);
    if (lower.contains("postgresql")) {
      return postgresql();
    }
    if (lower.contains("mariadb") || lower.contains("mysql")) {
      return mariadb();
    }
    throw new IllegalArgumentException("dialect: no built-in database dialect for '" + product
        + "'; pass one with DatabaseCredentialIssuer.Builder.dialect(...)");
  }
}
