package dev.jitaccess.store.jdbc;

import static dev.jitaccess.store.jdbc.Instance.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * This JVM and a second one ({@link SecondInstanceMain}, started with {@link ProcessBuilder} on the test
 * classpath) share one PostgreSQL schema. Runs when {@value TestDatabases#POSTGRES_ENV} is set.
 */
@EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
class PostgresSecondJvmTest {

  private static final Duration REPLY = Duration.ofSeconds(30);
  private static TestDatabases.PostgresSchema schema;

  private final String run = UUID.randomUUID().toString().substring(0, 6);
  private com.zaxxer.hikari.HikariDataSource pool;
  private Instance here;
  private ChildJvm other;

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestDatabases.PostgresSchema.create("second_jvm");
    try (var pool = schema.pool("jit-setup", 1)) {
      JdbcGrantStore.builder().dataSource(pool).createSchema(true).build().close();
    }
  }

  @AfterAll
  static void dropSchema() throws Exception {
    if (schema != null) {
      schema.close();
    }
  }

  @BeforeEach
  void startBoth() throws Exception {
    pool = schema.pool("jit-here-" + run, 4);
    TestDatabases.BreakableDataSource feed = new TestDatabases.BreakableDataSource(schema.simple("jit-feed-here-" + run));
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(pool).feedDataSource(feed)
        .heartbeat(Duration.ofMillis(200)).build();
    here = new Instance("here", store, feed, Clock.systemUTC(), Duration.ofSeconds(2));
    other = ChildJvm.start(SecondInstanceMain.class, entry -> false, schema.url("jit-other-" + run),
        schema.url("jit-feed-other-" + run));
    assertThat(other.next(REPLY)).isEqualTo("ready");
  }

  @AfterEach
  void stopBoth() throws Exception {
    other.close();
    here.close();
    pool.close();
  }

  @Test
  void grantsAndRevocationsMadeHereHoldInTheOtherJvmAndTheOtherWay() throws Exception {
    int rounds = 50;
    long[] revokeNanos = new long[rounds];
    for (int i = 0; i < rounds; i++) {
      Subject alice = Subject.user("alice-" + run + "-" + i);
      Grant grant = here.grant(alice, Duration.ofHours(1));
      assertThat(other.ask("allowed " + alice.id(), REPLY)).isEqualTo("allowed");
      assertThat(here.jit.revoke(grant.id(), ADMIN, "round " + i)).isTrue();
      long revoked = System.nanoTime();
      assertThat(other.ask("denied " + alice.id(), REPLY)).isEqualTo("denied");
      revokeNanos[i] = System.nanoTime() - revoked;
    }
    System.out.printf("[PostgreSQL LISTEN/NOTIFY, second JVM] revocation here -> denied there (reply over a pipe "
        + "included), %d rounds: %s%n", rounds, SharedJdbcStoreTests.figures(revokeNanos));

    Subject bob = Subject.user("bob-" + run);
    String reply = other.ask("grant " + bob.id() + " 3600000", REPLY);
    assertThat(reply).startsWith("granted ");
    String grantId = reply.substring("granted ".length());
    soon().until(() -> here.allowed(bob));
    assertThat(here.jit.revoke(grantId, ADMIN, "from here")).isTrue();
    assertThat(other.ask("denied " + bob.id(), REPLY)).isEqualTo("denied");
  }

  @Test
  void expiryRacingInBothJvmsWritesOneExpiredEventPerGrant() throws Exception {
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Subject s = Subject.user("racer-" + run + "-" + i);
      grants.add(here.grant(s, Duration.ofMillis(2000)));
      assertThat(other.ask("allowed " + s.id(), REPLY)).isEqualTo("allowed");
    }
    int there = 0;
    for (Grant g : grants) {
      soon().until(() -> here.store.findById(g.id()).orElseThrow().state() == GrantState.EXPIRED);
      int onOther = 0;
      int onHere = 0;
      long deadline = System.nanoTime() + REPLY.toNanos();
      while (onOther + onHere == 0 && System.nanoTime() < deadline) {
        onOther = Integer.parseInt(other.ask("expired " + g.id(), REPLY));
        onHere = here.events(g.id(), AuditEventType.EXPIRED).size();
      }
      assertThat(onHere + onOther).as("EXPIRED events of %s in both JVMs", g.id()).isEqualTo(1);
      there += onOther;
    }
    System.out.printf("[PostgreSQL LISTEN/NOTIFY, second JVM] expiry race on 10 grants: %d expired here, %d there%n",
        grants.size() - there, there);
  }

  @Test
  void whenTheOtherJvmIsKilledThisOneExpiresTheGrantsItMade() throws Exception {
    List<String> grantIds = new ArrayList<>();
    List<Subject> subjects = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Subject s = Subject.user("orphan-" + run + "-" + i);
      String reply = other.ask("grant " + s.id() + " 4000", REPLY);
      assertThat(reply).startsWith("granted ");
      grantIds.add(reply.substring("granted ".length()));
      subjects.add(s);
    }
    for (Subject s : subjects) {
      soon().until(() -> here.allowed(s));
    }

    other.kill();

    for (int i = 0; i < grantIds.size(); i++) {
      String id = grantIds.get(i);
      soon().until(() -> here.events(id, AuditEventType.EXPIRED).size() == 1);
      assertThat(here.store.findById(id).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
      assertThat(here.allowed(subjects.get(i))).isFalse();
    }
  }

  private static org.awaitility.core.ConditionFactory soon() {
    return await().atMost(REPLY).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(Duration.ofNanos(100_000));
  }
}
