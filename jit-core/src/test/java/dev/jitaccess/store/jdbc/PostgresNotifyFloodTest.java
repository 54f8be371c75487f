package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.AccessDecision;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.store.GrantStoreContract;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The change feed's channel is open to every login of the database: PostgreSQL has no privilege on
 * {@code NOTIFY}. A role that can read no table floods it with forged hints; the instances must go on serving
 * (issue 12, item 6). The flood size is {@value #DEFAULT_FORGED} unless {@code -Djit.test.floodHints} says
 * otherwise. Runs when {@value TestDatabases#POSTGRES_ENV} is set.
 */
@EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
class PostgresNotifyFloodTest {

  static final int DEFAULT_FORGED = 200_000;
  private static final int FORGED = Integer.getInteger("jit.test.floodHints", DEFAULT_FORGED);
  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");

  private static TestDatabases.PostgresSchema schema;
  private static String attacker;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void createSchemaAndAnUnprivilegedRole() throws Exception {
    schema = TestDatabases.PostgresSchema.create("flood");
    attacker = TestDatabases.unique("jit_flooder").toLowerCase(Locale.ROOT);
    try (Connection c = DriverManager.getConnection(TestDatabases.postgresUrl()); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + attacker + " LOGIN"); // no grant of any kind: only what PUBLIC has
    }
  }

  @AfterAll
  static void dropEverything() throws Exception {
    if (schema != null) {
      schema.close();
    }
    try (Connection c = DriverManager.getConnection(TestDatabases.postgresUrl()); Statement s = c.createStatement()) {
      s.execute("DROP ROLE IF EXISTS " + attacker);
    }
  }

  @BeforeEach
  void sameThreadPolling() {
    Awaitility.pollInSameThread();
  }

  @AfterEach
  void closeAll() throws Exception {
    Awaitility.reset();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }

  /** A connection as the attacker, after checking that it can read none of the store's tables. */
  private static Connection asAttacker() throws SQLException {
    String url = TestDatabases.postgresUrl().replaceAll("([?&])user=[^&]*&?", "$1").replaceAll("[?&]$", "");
    Connection c = DriverManager.getConnection(TestDatabases.withParameters(url, "user=" + attacker));
    try (Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT 1 FROM " + schema.name + ".jit_grants"))
          .isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
    }
    return c;
  }

  private static String channel() {
    return schema.name + ".jit_changes";
  }

  /** Sends {@code count} well-formed hints for grants that do not exist, in transactions of 10,000. */
  private static void flood(Connection attacker, int count) throws SQLException {
    try (PreparedStatement ps = attacker.prepareStatement(
        "SELECT count(pg_notify(?, 'G:' || md5(random()::text || g::text))) FROM generate_series(1, ?) g")) {
      for (int sent = 0; sent < count; sent += 10_000) {
        ps.setString(1, channel());
        ps.setInt(2, Math.min(10_000, count - sent));
        ps.executeQuery().close();
      }
    }
  }

  private static void notify(Connection attacker, String payload) throws SQLException {
    try (PreparedStatement ps = attacker.prepareStatement("SELECT pg_notify(?, ?)")) {
      ps.setString(1, channel());
      ps.setString(2, payload);
      ps.executeQuery().close();
    }
  }

  private JdbcGrantStore store(String name) {
    HikariDataSource pool = track(schema.pool("jit-" + name, 4));
    return track(JdbcGrantStore.builder().dataSource(pool).feedDataSource(schema.simple("jit-feed-" + name))
        .createSchema(true).build());
  }

  @Test
  void aFloodOfForgedHintsFromARoleWithNoTablePrivilegesLeavesValidGrantsAllowed() throws Exception {
    JdbcGrantStore store = store("flooded");
    // The defaults: heartbeat 1 s, staleness bound 5 s.
    Instance instance = track(new Instance("flooded", store, null, Clock.systemUTC(), Duration.ofSeconds(5)));
    instance.grant(ALICE, Duration.ofHours(1));
    await().atMost(Duration.ofSeconds(20)).until(() -> store.listeningFeeds() == 1 && instance.allowed(ALICE));

    // The attacker floods on its own thread; then a real change follows on the same channel: once it holds
    // here, the whole flood is behind the feed. Checks are sampled all along.
    long start = System.nanoTime();
    CompletableFuture<Void> attack = CompletableFuture.runAsync(() -> {
      try (Connection attacker = asAttacker()) {
        flood(attacker, FORGED);
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
      Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      store.withoutChangeFeed().save(GrantStoreContract.grant("after-the-flood-" + UUID.randomUUID(), BOB,
          now.minusSeconds(60), now.plus(Duration.ofHours(1))));
    });

    long[] staleSince = {-1};
    long[] worstStaleNanos = {0};
    int[] checks = {0};
    int[] stale = {0};
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(5)).until(() -> {
      AccessDecision decision = instance.jit.check(ALICE, Instance.ORDERS, "read");
      long at = System.nanoTime();
      checks[0]++;
      if (decision.code() == AccessDecision.Code.STALE) {
        stale[0]++;
        staleSince[0] = staleSince[0] < 0 ? at : staleSince[0];
        worstStaleNanos[0] = Math.max(worstStaleNanos[0], at - staleSince[0]);
      } else {
        staleSince[0] = -1;
      }
      return attack.isDone() && instance.allowed(BOB);
    });
    attack.join();
    long digested = System.nanoTime() - start;

    System.out.printf("[flood] %,d forged hints from a role with no table privileges: digested in %d ms; "
            + "%d of %d checks STALE, worst STALE window %d ms%n", FORGED, digested / 1_000_000, stale[0], checks[0],
        worstStaleNanos[0] / 1_000_000);
    assertThat(stale[0]).as("checks of a valid grant denied as STALE during the flood").isZero();
    assertThat(instance.allowed(ALICE)).isTrue();
  }

  @Test
  void notificationsThatAreNotTheStoresAreIgnored() throws Exception {
    JdbcGrantStore store = store("shapes");
    RecordingListener heard = new RecordingListener();
    track(store.subscribe(heard));
    await().atMost(Duration.ofSeconds(20)).until(() -> store.listeningFeeds() == 1 && heard.alives.get() > 0);

    String sentinel = "sentinel-" + UUID.randomUUID();
    try (Connection attacker = asAttacker()) {
      for (String payload : List.of("", "G", "G:", "X:abc", "g:abc", "GG:abc", "G: abc", "G:abc ", "G:a\u0001b",
          "G:a\u202Eb", "G:" + "a".repeat(257), "R:", "no colon at all")) {
        notify(attacker, payload);
      }
      notify(attacker, "G:" + sentinel);
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> heard.grants.contains(sentinel));
    assertThat(heard.grants).containsExactly(sentinel);
    assertThat(heard.requests).isEmpty();
  }
}
