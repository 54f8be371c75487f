package dev.jitaccess.credential.database;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.Grant;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on PostgreSQL, and what only PostgreSQL does: the server itself ends a login at the grant's end. */
@EnabledIfEnvironmentVariable(named = ServerDatabases.POSTGRES_ENV, matches = ".+")
class PostgresDatabaseCredentialTest extends DatabaseCredentialContract {

  private static HikariDataSource admin;

  @BeforeAll
  static void connect() {
    admin = ServerDatabases.pool(ServerDatabases.url(ServerDatabases.POSTGRES_ENV), "pg-credential-admin");
  }

  @AfterAll
  static void disconnect() {
    admin.close();
  }

  @Override
  protected DataSource adminDataSource() {
    return admin;
  }

  @Override
  protected String holderJdbcUrl() {
    return ServerDatabases.withoutParameters(ServerDatabases.url(ServerDatabases.POSTGRES_ENV));
  }

  @Override
  protected DatabaseDialect dialect() {
    return DatabaseDialect.postgresql();
  }

  @Test
  void theLoginCarriesTheGrantsEndAsValidUntilAndAnExtensionMovesIt() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    var credential = issuer.issue(grant);
    assertThat(validUntil(issuer.loginName(grant.id()))).isEqualTo(Timestamp.from(grant.expiresAt()));

    Grant extended = grant.withExpiresAt(grant.expiresAt().plus(Duration.ofMinutes(30)));
    issuer.extend(extended, credential);

    assertThat(validUntil(issuer.loginName(grant.id()))).isEqualTo(Timestamp.from(extended.expiresAt()));
  }

  @Test
  void thePasswordNeverReachesTheServerInClear() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    var credential = issuer.issue(grant);

    try (Connection c = admin.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
      s.setString(1, issuer.loginName(grant.id()));
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).startsWith("SCRAM-SHA-256$4096:").doesNotContain(credential.secret());
      }
    }
  }

  private Timestamp validUntil(String login) throws SQLException {
    try (Connection c = admin.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT rolvaliduntil FROM pg_roles WHERE rolname = ?")) {
      s.setString(1, login);
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getTimestamp(1);
      }
    }
  }
}
