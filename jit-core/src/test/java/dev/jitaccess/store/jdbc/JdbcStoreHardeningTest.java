package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.store.GrantStoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an attacker with a foothold in the database, or one bad migration, can and cannot do to a manager on the
 * JDBC store (issue 12): a malformed row denies only itself, and settings that make a healthy feed look stale are
 * refused when the manager is built. On in-memory H2.
 */
class JdbcStoreHardeningTest {

  private static final Subject ALICE = Subject.user("alice");
  private static final Subject BOB = Subject.user("bob");

  private final DataSource ds = TestDatabases.h2Memory("hardening");
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private JdbcGrantStore store(Duration heartbeat) {
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(10)).heartbeat(heartbeat).build();
    open.add(store);
    return store;
  }

  private Instance instance(String name) {
    Instance instance = new Instance(name, store(Duration.ofMillis(100)), null, Clock.systemUTC(),
        Duration.ofSeconds(5));
    open.add(instance);
    return instance;
  }

  private void update(String sql, String id) throws SQLException {
    try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, id);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
  }

  // ------------------------------------------------------------------------------- item 9: malformed rows

  /** Alice's and Bob's grants, given by an instance that is then stopped. */
  private List<Grant> grantsOfAStoppedInstance() {
    Instance first = instance("first");
    List<Grant> given = List.of(first.grant(ALICE, Duration.ofHours(1)), first.grant(BOB, Duration.ofHours(1)));
    first.close();
    return given;
  }

  @Test
  void oneMalformedActiveRowDeniesOnlyItselfAndDoesNotBlockTheStart() throws Exception {
    List<Grant> given = grantsOfAStoppedInstance();
    Grant alices = given.get(0);
    Grant bobs = given.get(1);
    update("UPDATE jit_grants SET approvals = 'not json' WHERE id = ?", bobs.id());

    Instance restarted = instance("restarted");

    assertThat(restarted.allowed(ALICE)).isTrue();
    assertThat(restarted.allowed(BOB)).isFalse();
    assertThat(restarted.store.findActive()).extracting(Grant::id).containsExactly(alices.id());
    assertThat(restarted.store.findActiveBySubject(BOB)).isEmpty();
    assertThatThrownBy(() -> restarted.store.findById(bobs.id())).isInstanceOf(GrantStoreException.class)
        .hasMessageContaining("malformed row");
    // Reported once, however often it is met: an audit event, a count for a gauge.
    assertThat(restarted.audit.events(AuditEventType.STORE_RECORD_SKIPPED)).singleElement().satisfies(e -> {
      assertThat(e.grantId()).isEqualTo(bobs.id());
      assertThat(e.actor()).isNull();
      assertThat(e.details()).containsEntry("table", "jit_grants").containsEntry("kind", "grant")
          .hasEntrySatisfying("problem", problem -> assertThat(problem).contains("malformed JSON"));
    });
    assertThat(restarted.store.malformedRecords()).isEqualTo(1);
  }

  @Test
  void aRowThatGoesBadWhileRunningDoesNotDenyEveryoneAfterTheFeedResyncs() throws Exception {
    TestDatabases.BreakableDataSource feed = new TestDatabases.BreakableDataSource(ds);
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(ds).feedDataSource(feed).createSchema(true)
        .pollInterval(Duration.ofMillis(10)).heartbeat(Duration.ofMillis(100)).build();
    Instance instance = new Instance("running", store, feed, Clock.systemUTC(), Duration.ofSeconds(5));
    open.add(instance);
    instance.grant(ALICE, Duration.ofHours(1));
    Grant bobs = instance.grant(BOB, Duration.ofHours(1));
    update("UPDATE jit_grants SET approvals = '[' WHERE id = ?", bobs.id());

    feed.closeAll(); // the feed reconnects and resyncs: a list of the active grants that meets the bad row
    await().atMost(Duration.ofSeconds(20)).until(() -> !instance.allowed(BOB));

    AccessDecision alices = instance.jit.check(ALICE, Instance.ORDERS, "read");
    assertThat(alices.allowed()).as("Alice's check, denied with: %s", alices.reason()).isTrue();
    assertThat(instance.audit.events(AuditEventType.STORE_RECORD_SKIPPED)).singleElement()
        .satisfies(e -> assertThat(e.grantId()).isEqualTo(bobs.id()));
  }

  @Test
  void aMalformedPendingRequestIsLeftOutAndAuditedWhileTheOthersWaitOn() throws Exception {
    Instance first = instance("first");
    String good = first.jit.request(Instance.request(ALICE, Duration.ofMinutes(5))
        .reference(Instance.NEEDS_APPROVAL).build()).requestId();
    String bad = first.jit.request(Instance.request(BOB, Duration.ofMinutes(5))
        .reference(Instance.NEEDS_APPROVAL).build()).requestId();
    first.close();
    update("UPDATE jit_requests SET details = '{\"request\":' WHERE id = ?", bad);

    Instance restarted = instance("restarted");

    assertThat(restarted.store.findPendingRequests()).extracting(RequestRecord::id).containsExactly(good);
    assertThat(restarted.audit.events(AuditEventType.STORE_RECORD_SKIPPED)).singleElement()
        .satisfies(e -> assertThat(e.requestId()).isEqualTo(bad));
    assertThat(restarted.jit.approve(good, Instance.ADMIN, "ok")).isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void theShippedDdlRefusesRowsTheStoreCouldNotReadBack() throws Exception {
    Instance instance = instance("checked");
    String id = instance.grant(ALICE, Duration.ofHours(1)).id();

    for (String bad : List.of("state = 'SUSPENDED'", "subject_kind = 'ROBOT'", "expires_at = not_before",
        "state = 'REVOKED'", "ended_at = 1", "version = -1", "actions = ''", "id = ''")) {
      assertThatThrownBy(() -> update("UPDATE jit_grants SET " + bad + " WHERE id = ?", id))
          .as(bad).isInstanceOf(SQLException.class);
    }
    String pending = instance.jit.request(Instance.request(BOB, Duration.ofMinutes(5))
        .reference(Instance.NEEDS_APPROVAL).build()).requestId();
    for (String bad : List.of("requester_kind = 'ROBOT'", "version = -1")) {
      assertThatThrownBy(() -> update("UPDATE jit_requests SET " + bad + " WHERE id = ?", pending))
          .as(bad).isInstanceOf(SQLException.class);
    }
    assertThatThrownBy(() -> update("INSERT INTO jit_changes (kind, id, changed_at) VALUES ('X', ?, 0)", id))
        .isInstanceOf(SQLException.class);
    assertThat(instance.allowed(ALICE)).isTrue();
  }

  @Test
  void tablesFromTheDdlBeforeTheChecksStillStartAndServeAndMalformedRowsAreLeftOut() throws Exception {
    List<String> before = TestDatabases.ddlBeforeChecks(JdbcDialect.H2, "jit_");
    assertThat(String.join("\n", before)).doesNotContain("CHECK").contains("end_reason");
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      for (String statement : before) {
        s.execute(statement);
      }
    }
    List<Grant> given = grantsOfAStoppedInstance();
    update("UPDATE jit_grants SET subject_kind = 'ROBOT' WHERE id = ?", given.get(1).id());

    Instance restarted = instance("restarted");

    assertThat(restarted.allowed(ALICE)).isTrue();
    assertThat(restarted.store.findActive()).extracting(Grant::id).containsExactly(given.get(0).id());
    assertThat(restarted.store.malformedRecords()).isEqualTo(1);
  }

  // ------------------------------------------------------------------ item 22: staleness bound vs heartbeat

  @Test
  void aStalenessBoundNotLargerThanTwiceTheHeartbeatIsRefusedAtBuild() {
    JdbcGrantStore store = store(Duration.ofSeconds(1));

    for (Duration bound : List.of(Duration.ofSeconds(1), Duration.ofSeconds(2))) {
      assertThatThrownBy(() -> manager(store, bound))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("stalenessBound " + bound)
          .hasMessageContaining("heartbeat PT1S");
    }
    manager(store, Duration.ofMillis(2001)).close();
  }

  private static JitAccessManager manager(JdbcGrantStore store, Duration stalenessBound) {
    return JitAccessManager.builder().policy(Instance.POLICY).store(store).stalenessBound(stalenessBound).build();
  }
}
