package dev.jitaccess.credential.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.Grant;
import dev.jitaccess.credential.Credential;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import dev.jitaccess.store.jdbc.ChildJvm;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import org.h2.jdbcx.JdbcDataSource;
import java.time.Instant;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on PostgreSQL, and what only PostgreSQL does: the server itself ends a login at the grant's end. */
@EnabledIfEnvironmentVariable(named = ServerDatabases.POSTGRES_ENV, matches = ".+")
class PostgresDatabaseCredentialTest extends DatabaseCredentialContract {

  private static HikariDataSource admin;

  static final String GROUP_ROLE = "jit_logins";
  private static final Duration CHILD_REPLY = Duration.ofSeconds(60);

  @BeforeAll
  static void connect() throws SQLException {
    admin = ServerDatabases.pool(ServerDatabases.url(ServerDatabases.POSTGRES_ENV), "pg-credential-admin");
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      s.execute("DO $$ BEGIN CREATE ROLE " + GROUP_ROLE + " NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$");
    }
  }

  /**
   * Whether pg_hba.conf makes the logins authenticate by password, as the README recommends (and {@code .ci/run}
   * sets up): under {@code trust} the server checks neither a password nor {@code VALID UNTIL}. CI must have it.
   */
  private static void assumePasswordAuthentication() throws SQLException {
    boolean configured;
    try (Connection c = admin.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1 FROM pg_hba_file_rules WHERE '+" + GROUP_ROLE
            + "' = ANY(user_name) AND auth_method = 'scram-sha-256' AND error IS NULL")) {
      configured = rs.next();
    }
    if (!configured && "true".equals(System.getenv("CI"))) {
      throw new IllegalStateException("pg_hba.conf has no scram-sha-256 line for +" + GROUP_ROLE + " (see .ci/run)");
    }
    Assumptions.assumeTrue(configured, "pg_hba.conf has no scram-sha-256 line for +" + GROUP_ROLE);
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
    return DatabaseDialect.postgresql(GROUP_ROLE);
  }

  @Test
  void aWrongPasswordIsRefused() throws SQLException {
    assumePasswordAuthentication();
    Grant grant = grant("read", Duration.ofMinutes(5));
    Credential credential = issuer().issue(grant);
    Credential wrong = Credential.of(grant.id(), credential.type(), "Wrong" + credential.secret().substring(5),
        credential.expiresAt(), credential.attributes());

    assertThatThrownBy(() -> connect(wrong).close()).isInstanceOf(SQLException.class);
    try (Connection c = connect(credential)) {
      assertThat(c.isValid(5)).isTrue();
    }
  }

  @Test
  void theServerRefusesALoginPastItsGrantsEndEvenWhenNothingDropsIt() throws SQLException {
    assumePasswordAuthentication();
    Grant grant = grant("read", Duration.ofSeconds(2));
    Credential credential = issuer().issue(grant); // and then every instance of the application is down

    await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(grant.expiresAt().plusSeconds(1)));

    assertThatThrownBy(() -> connect(credential).close()).isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
  }

  @Test
  void theLoginCarriesTheGrantsEndAsValidUntilAndAnExtensionMovesIt() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    Credential credential = issuer.issue(grant);
    assertThat(validUntil(issuer.loginName(grant.id()))).isEqualTo(Timestamp.from(grant.expiresAt()));

    Grant extended = grant.withExpiresAt(grant.expiresAt().plus(Duration.ofMinutes(30)));
    issuer.extend(extended, credential);

    assertThat(validUntil(issuer.loginName(grant.id()))).isEqualTo(Timestamp.from(extended.expiresAt()));
  }

  @Test
  void thePasswordNeverReachesTheServerInClear() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    Credential credential = issuer.issue(grant);

    try (Connection c = admin.getConnection();
        PreparedStatement s = c.prepareStatement("SELECT rolpassword FROM pg_authid WHERE rolname = ?")) {
      s.setString(1, issuer.loginName(grant.id()));
      try (ResultSet rs = s.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).startsWith("SCRAM-SHA-256$4096:").doesNotContain(credential.secret());
      }
    }
  }

  @Test
  void aCrashedInstancesLoginsAreRefusedByTheServerAndThenDroppedByTheNextInstancesSweeper() throws Exception {
    assumePasswordAuthentication();
    Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "crashed-store-");
    String storeUrl = "jdbc:h2:file:" + dir.resolve("grants").toAbsolutePath() + ";FILE_LOCK=NO";
    List<String[]> held = new ArrayList<>();
    try (ChildJvm holder = ChildJvm.start(CredentialHolderMain.class, entry -> false, storeUrl,
        ServerDatabases.url(ServerDatabases.POSTGRES_ENV), holderJdbcUrl(), prefix(), "3", "10000")) {
      for (String line = holder.next(CHILD_REPLY); !line.equals("ready"); line = holder.next(CHILD_REPLY)) {
        held.add(line.substring("granted ".length()).split(" "));
      }
      for (String[] login : held) {
        DriverManager.getConnection(holderJdbcUrl(), login[1], login[2]).close();
      }
      holder.kill();
    }

    for (String[] login : held) {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThatThrownBy(() -> DriverManager.getConnection(holderJdbcUrl(), login[1], login[2]).close())
              .isInstanceOf(SQLException.class));
    }
    assertThat(logins()).hasSize(3); // refused by the server, but nothing has dropped them yet

    JdbcDataSource storeSource = new JdbcDataSource();
    storeSource.setURL(storeUrl);
    track(issuerBuilder().grantStore(JdbcGrantStore.builder().dataSource(storeSource).build().withoutChangeFeed())
        .build());

    await().atMost(Duration.ofSeconds(30)).until(() -> logins().isEmpty());
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
