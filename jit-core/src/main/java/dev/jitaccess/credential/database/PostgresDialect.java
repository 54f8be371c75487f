package dev.jitaccess.credential.database;

import jakarta.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * PostgreSQL: a login is a role with {@code LOGIN} and {@code VALID UNTIL}, so the server refuses it after the
 * grant's end even when no instance of the application runs to drop it (for password authentication, which is why
 * the README recommends a {@code pg_hba.conf} line requiring {@code scram-sha-256} for the logins' group role).
 *
 * <p>The password is sent as a SCRAM-SHA-256 verifier computed here, never in clear, so a server logging DDL
 * ({@code log_statement = 'ddl'}) cannot write it to its log. Stateless and thread-safe.
 */
final class PostgresDialect implements DatabaseDialect {

  private static final String UNDEFINED_OBJECT = "42704";
  private static final int SCRAM_ITERATIONS = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();

  @Nullable private final String groupRole;

  PostgresDialect(@Nullable String groupRole) {
    this.groupRole = groupRole;
  }

  @Override
  public String name() {
    return "postgresql";
  }

  @Override
  public int maxLoginNameLength() {
    return 63; // NAMEDATALEN - 1
  }

  @Override
  public String quoteIdentifier(String identifier) {
    return '"' + identifier.replace("\"", "\"\"") + '"';
  }

  @Override
  public void createLogin(Connection admin, String login, String password, Instant validUntil) throws SQLException {
    String sql = "CREATE ROLE " + quoteIdentifier(login) + " LOGIN NOINHERIT PASSWORD "
        + literal(scramVerifier(password)) + " VALID UNTIL " + literal(validUntil.toString())
        + (groupRole == null ? "" : " IN ROLE " + quoteIdentifier(groupRole));
    AdminSql.execute(admin, sql);
  }

  @Override
  public void extendLogin(Connection admin, String login, Instant validUntil) throws SQLException {
    AdminSql.execute(admin, "ALTER ROLE " + quoteIdentifier(login) + " VALID UNTIL " + literal(validUntil.toString()));
  }

  @Override
  public void lockLogin(Connection admin, String login) throws SQLException {
    try {
      AdminSql.execute(admin, "ALTER ROLE " + quoteIdentifier(login) + " NOLOGIN");
    } catch (SQLException e) {
      if (!UNDEFINED_OBJECT.equals(e.getSQLState())) {
        throw e;
      }
    }
  }

  @Override
  public int terminateSessions(Connection admin, String login) throws SQLException {
    return AdminSql.firstInt(admin, "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
        + " WHERE usename = ? AND pid <> pg_backend_pid()", login);
  }

  @Override
  public boolean hasSessions(Connection admin, String login) throws SQLException {
    return AdminSql.hasRow(admin,
        "SELECT 1 FROM pg_stat_activity WHERE usename = ? AND pid <> pg_backend_pid() LIMIT 1", login);
  }

  @Override
  public void dropLogin(Connection admin, String login) throws SQLException {
    String role = quoteIdentifier(login);
    try {
      // Objects the login made (a migration's tables) stay with the admin role instead of blocking the drop.
      AdminSql.execute(admin, "REASSIGN OWNED BY " + role + " TO CURRENT_USER");
      AdminSql.execute(admin, "DROP OWNED BY " + role);
    } catch (SQLException e) {
      if (!UNDEFINED_OBJECT.equals(e.getSQLState())) {
        throw e;
      }
    }
    AdminSql.execute(admin, "DROP ROLE IF EXISTS " + role);
  }

  @Override
  public List<String> loginsWithPrefix(Connection admin, String prefix) throws SQLException {
    return AdminSql.strings(admin, "SELECT rolname FROM pg_roles WHERE substr(rolname, 1, ?) = ? ORDER BY rolname",
        prefix.length(), prefix);
  }

  @Override
  public boolean exists(Connection admin, String login) throws SQLException {
    return AdminSql.hasRow(admin, "SELECT 1 FROM pg_roles WHERE rolname = ?", login);
  }

  @Override
  public void acquireAdvisoryLock(Connection admin, String login) throws SQLException {
    AdminSql.hasRow(admin, "SELECT pg_advisory_lock(hashtext(?))", login);
  }

  @Override
  public void releaseAdvisoryLock(Connection admin, String login) throws SQLException {
    AdminSql.hasRow(admin, "SELECT pg_advisory_unlock(hashtext(?))", login);
  }

  private static String literal(String value) {
    // standard_conforming_strings is on since PostgreSQL 9.1: only the quote itself needs doubling.
    return "'" + value.replace("'", "''") + "'";
  }

  /** The verifier PostgreSQL stores for SCRAM-SHA-256 (RFC 5802, RFC 7677), in its {@code pg_authid} format. */
  static String scramVerifier(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    try {
      SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256");
      byte[] salted = pbkdf2.generateSecret(new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256))
          .getEncoded();
      Mac hmac = Mac.getInstance("HmacSHA256");
      hmac.init(new SecretKeySpec(salted, "HmacSHA256"));
      byte[] clientKey = hmac.doFinal("Client Key".getBytes(StandardCharsets.US_ASCII));
      byte[] serverKey = hmac.doFinal("Server Key".getBytes(StandardCharsets.US_ASCII));
      byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
      Base64.Encoder b64 = Base64.getEncoder();
      return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$"
          + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks PBKDF2WithHmacSHA256 or HmacSHA256", e);
    }
  }
}
