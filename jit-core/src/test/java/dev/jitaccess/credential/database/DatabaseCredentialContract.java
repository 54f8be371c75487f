package dev.jitaccess.credential.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.GrantState;
import dev.jitaccess.JitAccessException;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.testing.ManualClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link DatabaseDialect} must do against a real server, through {@link DatabaseCredentialIssuer}:
 * a login that can do what the grant says and nothing else, that follows extensions, and whose end leaves no way
 * in (no new connection, no open session) and nothing behind. Extend it with a data source of an admin role and
 * the URL a holder connects to; each test class works in a table of its own and drops its logins afterwards.
 */
public abstract class DatabaseCredentialContract {

  /** An admin role's connections (allowed to create roles and end their sessions). */
  protected abstract DataSource adminDataSource();

  /** The URL a holder connects to, without credentials. */
  protected abstract String holderJdbcUrl();

  /** The dialect under test. */
  protected abstract DatabaseDialect dialect();

  /** A prefix of this test's own, so that tests running side by side never sweep each other's logins. */
  protected String prefix() {
    return prefix;
  }

  private final String prefix = "jt" + UUID.randomUUID().toString().substring(0, 6) + "_";
  private final String table = "jit_contract_" + UUID.randomUUID().toString().substring(0, 8);
  private final List<DatabaseCredentialIssuer> issuers = new ArrayList<>();
  protected final InMemoryGrantStore store = new InMemoryGrantStore();

  @BeforeEach
  void createTable() throws SQLException {
    try (Connection c = adminDataSource().getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (id INT PRIMARY KEY, item VARCHAR(40))");
      s.execute("INSERT INTO " + table + " VALUES (1, 'book')");
    }
  }

  @AfterEach
  void dropEverything() throws SQLException {
    issuers.forEach(DatabaseCredentialIssuer::close);
    try (Connection c = adminDataSource().getConnection()) {
      for (String login : dialect().loginsWithPrefix(c, prefix)) {
        dialect().lockLogin(c, login);
        dialect().terminateSessions(c, login);
        dialect().dropLogin(c, login);
      }
      try (Statement s = c.createStatement()) {
        s.execute("DROP TABLE " + table);
      }
    }
  }

  protected DatabaseCredentialIssuer.Builder issuerBuilder() {
    return DatabaseCredentialIssuer.builder()
        .adminDataSource(adminDataSource())
        .dialect(dialect())
        .jdbcUrl(holderJdbcUrl())
        .loginPrefix(prefix)
        .sessionEndTimeout(Duration.ofSeconds(20))
        .privileges(PrivilegeMapping.builder()
            .map("db/orders", "read", "GRANT SELECT ON " + table + " TO {{name}}")
            .map("db/orders", "write", "GRANT SELECT, INSERT ON " + table + " TO {{name}}")
            .build());
  }

  protected DatabaseCredentialIssuer issuer() {
    return track(issuerBuilder().build());
  }

  protected DatabaseCredentialIssuer track(DatabaseCredentialIssuer issuer) {
    issuers.add(issuer);
    return issuer;
  }

  protected static Grant grant(String action, Duration duration) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new Grant(UUID.randomUUID().toString(), UUID.randomUUID().toString(), Subject.service("ci-deploy"),
        "db/orders", Set.of(action), now, now.plus(duration), GrantState.ACTIVE, "migration", null, List.of(),
        false, "db", 0, null, null);
  }

  protected static Connection connect(Credential credential) throws SQLException {
    return DriverManager.getConnection(credential.attributes().get(DatabaseCredentialIssuer.JDBC_URL),
        credential.attributes().get(DatabaseCredentialIssuer.USER), credential.secret());
  }

  protected List<String> logins() throws SQLException {
    try (Connection c = adminDataSource().getConnection()) {
      return dialect().loginsWithPrefix(c, prefix);
    }
  }

  @Test
  void theLoginRunsWhatTheGrantAllowsAndTheDatabaseRefusesTheRest() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));

    Credential credential = issuer.issue(grant);

    assertThat(credential.type()).isEqualTo(DatabaseCredentialIssuer.TYPE);
    assertThat(credential.attributes()).containsEntry(DatabaseCredentialIssuer.USER, issuer.loginName(grant.id()));
    assertThat(credential.secret()).hasSizeGreaterThanOrEqualTo(22).matches("[A-Za-z0-9]+");
    assertThat(credential.toString()).doesNotContain(credential.secret());
    try (Connection c = connect(credential); Statement s = c.createStatement()) {
      assertThat(s.executeQuery("SELECT item FROM " + table + " WHERE id = 1").next()).isTrue();
      assertThatThrownBy(() -> s.execute("INSERT INTO " + table + " VALUES (2, 'pen')"))
          .isInstanceOf(SQLException.class);
    }
  }

  @Test
  void aWriteGrantMayWrite() throws SQLException {
    Credential credential = issuer().issue(grant("write", Duration.ofMinutes(5)));

    try (Connection c = connect(credential); Statement s = c.createStatement()) {
      assertThat(s.executeUpdate("INSERT INTO " + table + " VALUES (2, 'pen')")).isEqualTo(1);
    }
  }

  @Test
  void afterTheEndNoNewConnectionAndNoOpenSessionWorks() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    Credential credential = issuer.issue(grant);
    try (Connection open = connect(credential); Statement s = open.createStatement()) {
      assertThat(s.executeQuery("SELECT 1").next()).isTrue();

      issuer.invalidate(grant.ended(GrantState.REVOKED, Instant.now(), "done"), credential);

      assertThatThrownBy(() -> s.executeQuery("SELECT item FROM " + table)).isInstanceOf(SQLException.class);
    }
    assertThatThrownBy(() -> connect(credential).close()).isInstanceOf(SQLException.class);
    assertThat(logins()).doesNotContain(issuer.loginName(grant.id()));
  }

  @Test
  void endingALoginTwiceOrOneThatIsGoneIsSuccess() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofMinutes(5));
    Credential credential = issuer.issue(grant);
    Grant ended = grant.ended(GrantState.REVOKED, Instant.now(), "done");

    issuer.invalidate(ended, credential);
    issuer.invalidate(ended, credential);

    assertThat(logins()).isEmpty();
  }

  @Test
  void anExtendedLoginStillWorksAndEndsWithTheGrant() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    Grant grant = grant("read", Duration.ofSeconds(2));
    Credential credential = issuer.issue(grant);
    Grant extended = grant.withExpiresAt(grant.expiresAt().plus(Duration.ofMinutes(10)));

    Credential moved = issuer.extend(extended, credential);

    assertThat(moved.expiresAt()).isEqualTo(extended.expiresAt());
    assertThat(moved.secret()).isEqualTo(credential.secret());
    await().atMost(Duration.ofSeconds(30)).until(() -> Instant.now().isAfter(grant.expiresAt().plusSeconds(1)));
    try (Connection c = connect(moved); Statement s = c.createStatement()) {
      assertThat(s.executeQuery("SELECT item FROM " + table).next()).isTrue();
    }
  }

  /**
   * Measures end → session killed (the invalidation returns once the server shows no session of the login left)
   * over {@code jit.dbcred.latency.grants} grants (default 50; the README's figures are from 200). No assertion on
   * time: this machine is shared; the figures are printed.
   */
  @Test
  void everyEndKillsTheOpenSessionAndTheTimeItTakesIsMeasured() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    int grants = Integer.getInteger("jit.dbcred.latency.grants", 50);
    long[] nanos = new long[grants];
    for (int i = 0; i < grants; i++) {
      Grant grant = grant("read", Duration.ofMinutes(5));
      Credential credential = issuer.issue(grant);
      try (Connection open = connect(credential); Statement s = open.createStatement()) {
        assertThat(s.executeQuery("SELECT item FROM " + table).next()).isTrue();
        long start = System.nanoTime();
        issuer.invalidate(grant.ended(GrantState.REVOKED, Instant.now(), "done"), credential);
        nanos[i] = System.nanoTime() - start;
        assertThatThrownBy(() -> s.executeQuery("SELECT item FROM " + table)).isInstanceOf(SQLException.class);
      }
    }
    java.util.Arrays.sort(nanos);
    System.out.printf("[%s] end -> live session killed and login dropped, %d grants: p50 %.1f ms, p99 %.1f ms, "
        + "max %.1f ms%n", dialect().name(), grants, nanos[grants / 2] / 1e6, nanos[(int) (grants * 0.99)] / 1e6,
        nanos[grants - 1] / 1e6);
    assertThat(logins()).isEmpty();
  }

  @Test
  void throughTheEngineTheTrailNamesTheLoginAndAnExtensionAndTheHandlesCloseFollowTheGrant() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    InMemoryAuditSink trail = new InMemoryAuditSink();
    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(new AccessPolicy() {
          @Override
          public PolicyDecision evaluate(AccessRequest request) {
            return PolicyDecision.allow("db", request.duration());
          }

          @Override
          public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
            return PolicyDecision.allow("db", extension);
          }
        })
        .store(store).auditSink(trail).credentialIssuer(issuer).build()) {
      Credential used;
      try (GrantHandle handle = jit.acquire(AccessRequest.builder().subject(Subject.service("ci-migrate"))
          .resource("db/orders").actions("read").duration(Duration.ofMinutes(5)).justification("run 1").build())) {
        used = handle.credential().orElseThrow();
        assertThat(trail.events(AuditEventType.GRANTED)).singleElement().satisfies(e -> assertThat(e.details())
            .containsEntry("databaseLogin", used.attributes().get(DatabaseCredentialIssuer.USER)));
        Grant extended = jit.extend(handle.grant().id(), Duration.ofMinutes(5), "longer");
        assertThat(jit.credential(handle.grant().id()).orElseThrow().expiresAt()).isEqualTo(extended.expiresAt());
        Connection open = connect(used);
        assertThat(open.createStatement().executeQuery("SELECT item FROM " + table).next()).isTrue();
        handle.close();
        assertThatThrownBy(() -> open.createStatement().executeQuery("SELECT 1")).isInstanceOf(SQLException.class);
        open.close();
      }
      assertThatThrownBy(() -> connect(used).close()).isInstanceOf(SQLException.class);
      assertThat(trail.events(AuditEventType.RELEASED)).singleElement().satisfies(e -> assertThat(e.details())
          .containsEntry("databaseLogin", used.attributes().get(DatabaseCredentialIssuer.USER))
          .containsEntry("sessionsTerminated", "1"));
      assertThat(trail.events().toString()).doesNotContain(used.secret());
    }
    assertThat(logins()).isEmpty();
  }

  @Test
  void whenTheEngineExpiresAGrantItsOpenSessionIsKilledAndItsLoginDropped() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();
    ManualClock clock = new ManualClock();
    clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS)); // the database compares VALID UNTIL with real time
    InMemoryAuditSink trail = new InMemoryAuditSink();
    try (JitAccessManager jit = JitAccessManager.builder()
        .policy(request -> PolicyDecision.allow("db", request.duration()))
        .clock(clock).auditSink(trail).credentialIssuer(issuer).build()) {
      RequestOutcome outcome = jit.request(AccessRequest.builder().subject(Subject.user("alice"))
          .resource("db/orders").actions("read").duration(Duration.ofMinutes(5)).justification("INC-1").build());
      Grant grant = ((RequestOutcome.Granted) outcome).grant();
      Credential login = jit.credential(grant.id()).orElseThrow();
      try (Connection open = connect(login); Statement s = open.createStatement()) {
        assertThat(s.executeQuery("SELECT item FROM " + table).next()).isTrue();

        clock.advance(Duration.ofMinutes(5));

        await().atMost(Duration.ofSeconds(30)).until(() -> !trail.events(AuditEventType.EXPIRED).isEmpty());
        assertThatThrownBy(() -> s.executeQuery("SELECT item FROM " + table)).isInstanceOf(SQLException.class);
      }
      assertThatThrownBy(() -> connect(login).close()).isInstanceOf(SQLException.class);
      assertThat(trail.events(AuditEventType.EXPIRED)).singleElement()
          .satisfies(e -> assertThat(e.details()).containsEntry("sessionsTerminated", "1"));
    }
    assertThat(logins()).isEmpty();
  }

  @Test
  void anUnmappedActionMakesNoLogin() throws SQLException {
    DatabaseCredentialIssuer issuer = issuer();

    assertThatThrownBy(() -> issuer.issue(grant("admin", Duration.ofMinutes(5))))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("db/orders:admin");
    assertThat(logins()).isEmpty();
  }

  @Test
  void aFailingPrivilegeStatementDropsTheLoginItMade() throws SQLException {
    DatabaseCredentialIssuer issuer = track(issuerBuilder()
        .privileges(PrivilegeMapping.builder().map("db/orders", "read", "GRANT SELECT ON no_such_table TO {{name}}")
            .build())
        .build());
    Grant grant = grant("read", Duration.ofMinutes(5));

    assertThatThrownBy(() -> issuer.issue(grant)).isInstanceOf(JitAccessException.class)
        .hasMessageContaining("the login was dropped");
    assertThat(logins()).isEmpty();
  }

  @Test
  void theSweeperDropsLoginsWithoutAnEffectiveGrantAndKeepsTheRest() throws SQLException {
    DatabaseCredentialIssuer issuer = track(issuerBuilder().grantStore(store).sweepInterval(Duration.ofDays(1))
        .build());
    Grant kept = grant("read", Duration.ofMinutes(5));
    store.save(kept);
    Credential keptCredential = issuer.issue(kept);
    Grant orphan = grant("read", Duration.ofMinutes(5)); // a crash after making the login, before storing an end
    Credential orphanCredential = issuer.issue(orphan);
    try (Connection c = adminDataSource().getConnection(); Statement s = c.createStatement()) {
      dialect().createLogin(c, prefix + "not_ours", "Xy12345678901234567890", Instant.now().plusSeconds(300));
    }

    try (Connection open = connect(orphanCredential); Statement s = open.createStatement()) {
      assertThat(issuer.sweep()).isEqualTo(1);
      assertThatThrownBy(() -> s.executeQuery("SELECT 1 FROM " + table)).isInstanceOf(SQLException.class);
    }
    assertThat(logins()).containsExactlyInAnyOrder(issuer.loginName(kept.id()), prefix + "not_ours");
    try (Connection c = connect(keptCredential)) {
      assertThat(c.isValid(5)).isTrue();
    }
  }

  @Test
  void twoInstancesSweepingTogetherDropEachOrphanWithoutAnError() throws SQLException {
    DatabaseCredentialIssuer one = track(issuerBuilder().grantStore(store).sweepInterval(Duration.ofDays(1)).build());
    DatabaseCredentialIssuer two = track(issuerBuilder().grantStore(store).sweepInterval(Duration.ofDays(1)).build());
    for (int i = 0; i < 5; i++) {
      one.issue(grant("read", Duration.ofMinutes(5)));
    }

    CompletableFuture<Integer> first = CompletableFuture.supplyAsync(one::sweep);
    CompletableFuture<Integer> second = CompletableFuture.supplyAsync(two::sweep);
    first.join();
    second.join();

    assertThat(logins()).isEmpty();
    assertThat(one.orphansDropped() + two.orphansDropped()).isEqualTo(5); // each orphan dropped once
  }
}
