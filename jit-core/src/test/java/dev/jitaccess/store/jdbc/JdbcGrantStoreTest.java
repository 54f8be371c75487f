package dev.jitaccess.store.jdbc;

import static dev.jitaccess.store.GrantStoreContract.grant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.GrantStoreException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the JDBC store does beyond the contract, on in-memory H2. */
class JdbcGrantStoreTest {

  private static final java.time.Instant T0 = java.time.Instant.parse("2030-01-01T00:00:00Z");
  private static final java.time.Instant T1 = T0.plusSeconds(3600);

  private final DataSource ds = TestDatabases.h2Memory("store");
  private final List<AutoCloseable> toClose = new ArrayList<>();

  private JdbcGrantStore store() {
    return store(JdbcGrantStore.builder().dataSource(ds).createSchema(true));
  }

  private JdbcGrantStore store(JdbcGrantStore.Builder builder) {
    JdbcGrantStore store = builder.build();
    toClose.add(store);
    return store;
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  // ------------------------------------------------------------------------------------------- building

  @Test
  void detectsTheDialectAndAppliesTheSchemaIdempotently() {
    JdbcGrantStore first = store();
    JdbcGrantStore again = store();

    assertThat(first.dialect()).isEqualTo(JdbcDialect.H2);
    assertThat(again.tablePrefix()).isEqualTo("jit_");
    assertThat(first.feedMode()).isEqualTo(JdbcGrantStore.FeedMode.POLLING);
    again.save(grant("g", Subject.user("alice")));
    assertThat(first.findById("g")).isPresent();
  }

  @Test
  void aSchemaFromBeforeHandleBoundGrantsIsBroughtUpToDateOnStart() throws Exception {
    store();
    try (java.sql.Connection c = ds.getConnection(); java.sql.Statement s = c.createStatement()) {
      s.execute("ALTER TABLE jit_grants DROP COLUMN bound_to_handle");
    }
    JdbcGrantStore upgraded = store();
    dev.jitaccess.Grant plain = grant("b", Subject.user("alice"));
    dev.jitaccess.Grant bound = new dev.jitaccess.Grant(plain.id(), plain.requestId(), plain.subject(),
        plain.resource(), plain.actions(), plain.notBefore(), plain.expiresAt(), plain.state(), plain.justification(),
        plain.reference(), plain.approvals(), plain.breakGlass(), plain.rule(), plain.version(), null, null, true);

    upgraded.save(bound);

    assertThat(upgraded.findById("b")).contains(bound);
  }

  @Test
  void missingTablesAreNamedWithTheWayToCreateThem() {
    assertThatThrownBy(() -> JdbcGrantStore.builder().dataSource(ds).tablePrefix("nothing_here_").build())
        .isInstanceOf(GrantStoreException.class)
        .hasMessageContaining("nothing_here_grants")
        .hasMessageContaining("createSchema(true)");
  }

  @Test
  void tablePrefixesKeepStoresApart() {
    JdbcGrantStore a = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true).tablePrefix("app_a_"));
    JdbcGrantStore b = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true).tablePrefix("app_b_"));
    a.save(grant("g", Subject.user("alice")));

    assertThat(a.findById("g")).isPresent();
    assertThat(b.findById("g")).isEmpty();
    b.save(grant("g", Subject.user("bob")));
    assertThat(b.findActive()).extracting(Grant::subject).containsExactly(Subject.user("bob"));
  }

  @Test
  void builderRejectsBadSettingsByName() {
    JdbcGrantStore.Builder b = JdbcGrantStore.builder();
    assertThatThrownBy(() -> b.tablePrefix("jit; DROP TABLE x; --")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tablePrefix");
    assertThatThrownBy(() -> b.tablePrefix("9lives")).hasMessageContaining("tablePrefix");
    assertThatThrownBy(() -> b.tablePrefix("")).hasMessageContaining("tablePrefix");
    assertThatThrownBy(() -> b.heartbeat(Duration.ofMillis(1))).hasMessageContaining("heartbeat");
    assertThatThrownBy(() -> b.pollInterval(Duration.ZERO)).hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> b.changeLogRetention(Duration.ofMillis(10))).hasMessageContaining("changeLogRetention");
    assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataSource");
    assertThatThrownBy(() -> JdbcGrantStore.builder().dataSource(ds).heartbeat(Duration.ofMillis(50))
        .pollInterval(Duration.ofMillis(100)).build()).hasMessageContaining("pollInterval");
    assertThatThrownBy(() -> JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .feedMode(JdbcGrantStore.FeedMode.LISTEN_NOTIFY).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("PostgreSQL");
  }

  @Test
  void shippedDdlHasEveryTableForBothDialects() {
    for (JdbcDialect dialect : JdbcDialect.values()) {
      List<String> statements = JdbcGrantStore.ddlStatements(dialect, "acme_");
      assertThat(statements).hasSize(7);
      assertThat(String.join("\n", statements))
          .contains("acme_grants", "acme_requests", "acme_reviews", "acme_changes")
          .doesNotContain("${prefix}", "--");
      assertThat(JdbcGrantStore.class.getResource(dialect.ddlResource())).isNotNull();
    }
  }

  @Test
  void withoutChangeFeedIsAPlainStore() {
    JdbcGrantStore store = store();
    var plain = store.withoutChangeFeed();

    assertThat(plain).isNotInstanceOf(ChangeFeed.class);
    plain.save(grant("g", Subject.user("alice")));
    assertThat(store.findById("g")).isPresent();
    assertThat(plain.compareAndSet(0, grant("g", Subject.user("alice")).ended(GrantState.REVOKED, T0, "x"))).isTrue();
    assertThat(plain.findActive()).isEmpty();
  }

  // --------------------------------------------------------------------------------------- writing rules

  @Test
  void instantsFinerThanAMillisecondAreRejectedNotRounded() {
    JdbcGrantStore store = store();
    Grant fine = grant("g", Subject.user("alice"), T0.plusNanos(1), T1);

    assertThatThrownBy(() -> store.save(fine)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("grant.notBefore").hasMessageContaining("milliseconds");
    Grant ok = grant("g", Subject.user("alice"));
    store.save(ok);
    assertThatThrownBy(() -> store.compareAndSet(0, ok.withExpiresAt(T1.plusNanos(500))))
        .hasMessageContaining("grant.expiresAt");
    assertThat(store.findById("g")).contains(ok);
  }

  @Test
  void wrongVersionsAndAChangedSubjectAreProgrammingErrors() {
    JdbcGrantStore store = store();
    Grant v0 = grant("g", Subject.user("alice"));
    store.save(v0);
    Grant v2 = v0.withExpiresAt(T1.plusSeconds(1)).withExpiresAt(T1.plusSeconds(2));
    Grant stolen = new Grant("g", v0.requestId(), Subject.user("mallory"), v0.resource(), v0.actions(),
        v0.notBefore(), v0.expiresAt(), GrantState.ACTIVE, null, null, List.of(), false, v0.rule(), 1, null, null);

    assertThatThrownBy(() -> store.compareAndSet(0, v2)).hasMessageContaining("updated.version");
    assertThatThrownBy(() -> store.compareAndSet(-1, v0)).hasMessageContaining("expectedVersion");
    assertThatThrownBy(() -> store.compareAndSet(0, stolen)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("updated.subject");
    assertThat(store.findById("g")).contains(v0);
    assertThat(store.findActiveBySubject(Subject.user("mallory"))).isEmpty();
    assertThat(changeRows()).isEqualTo(1);
  }

  @Test
  void everyChangeWritesOneChangeLogRowInItsTransaction() throws SQLException {
    JdbcGrantStore store = store();
    Grant v0 = grant("g", Subject.user("alice"));
    store.save(v0);
    assertThat(store.compareAndSet(0, v0.withExpiresAt(T1.plusSeconds(5)))).isTrue();
    assertThat(store.compareAndSet(0, v0.withExpiresAt(T1.plusSeconds(9)))).isFalse(); // lost: nothing logged
    assertThatThrownBy(() -> store.save(v0)).isInstanceOf(IllegalStateException.class);

    assertThat(changeLog()).containsExactly("G:g", "G:g");
  }

  @Test
  void aFailureHalfWayRollsBackTheWholeWrite() throws SQLException {
    JdbcGrantStore store = store();
    Grant kept = grant("kept", Subject.user("alice"));
    store.save(kept);
    execute("DROP TABLE jit_changes");

    assertThatThrownBy(() -> store.save(grant("lost", Subject.user("alice"))))
        .isInstanceOf(GrantStoreException.class)
        .hasMessageContaining("could not save grant \"lost\"")
        .hasMessageContaining("nothing was changed");
    assertThatThrownBy(() -> store.compareAndSet(0, kept.ended(GrantState.REVOKED, T0, "x")))
        .isInstanceOf(GrantStoreException.class);

    assertThat(store.findById("lost")).isEmpty();
    assertThat(store.findById("kept")).contains(kept);
  }

  @Test
  void anUnreachableDatabaseIsAGrantStoreException() {
    TestDatabases.BreakableDataSource broken = new TestDatabases.BreakableDataSource(ds);
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(broken).createSchema(true));
    broken.breakDown();

    assertThatThrownBy(() -> store.findById("g")).isInstanceOf(GrantStoreException.class)
        .hasMessageContaining("could not find grant").hasMessageContaining("08001");
    assertThatThrownBy(() -> store.save(grant("g", Subject.user("a")))).isInstanceOf(GrantStoreException.class);
    assertThatThrownBy(store::findActive).isInstanceOf(GrantStoreException.class);
    assertThatThrownBy(() -> JdbcGrantStore.builder().dataSource(broken).build())
        .isInstanceOf(GrantStoreException.class).hasMessageContaining("cannot start");
  }

  @Test
  void aMalformedRowIsReportedNotMisread() throws SQLException {
    JdbcGrantStore store = store();
    store.save(grant("g", Subject.user("alice")));
    execute("UPDATE jit_grants SET approvals = '[{\"approver\":' WHERE id = 'g'");

    assertThatThrownBy(() -> store.findById("g")).isInstanceOf(GrantStoreException.class)
        .hasMessageContaining("malformed row in jit_grants").hasMessageContaining("\"g\"");
  }

  // ------------------------------------------------------------------------------------------ the feed

  @Test
  void pollingFeedReportsChangesResyncsFirstAndHeartbeats() {
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)));
    RecordingListener heard = new RecordingListener();
    AutoCloseable subscription = store.subscribe(heard);
    toClose.add(subscription);

    await().until(() -> heard.resyncs.get() == 1 && heard.alives.get() > 2);
    Grant g = grant("g", Subject.user("alice"));
    store.save(g);
    store.compareAndSet(0, g.ended(GrantState.REVOKED, T0, "x"));
    store.saveRequest(dev.jitaccess.store.GrantStoreContract.request("r", Subject.user("alice"),
        dev.jitaccess.RequestState.PENDING, 0));
    store.saveReview(new dev.jitaccess.BreakGlassReview(g, "INC-1", null, null, null, 0));

    await().until(() -> heard.grants.contains("g") && heard.requests.size() == 1);
    // Once per poll that saw it: the save and the compare-and-set in one poll are one report.
    assertThat(heard.grants).containsOnly("g").hasSizeBetween(1, 2);
    assertThat(heard.requests).containsExactly("r");
    assertThat(heard.resyncs).hasValue(1);
    assertThat(heard.threads).allMatch(name -> name.startsWith("jit-jdbc-feed-"));
  }

  @Test
  void closingStopsTheFeedThreadAndReleasesItsConnection() throws Exception {
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)));
    RecordingListener heard = new RecordingListener();
    AutoCloseable subscription = store.subscribe(heard);
    await().until(() -> !heard.threads.isEmpty());
    String thread = heard.threads.get(0);

    subscription.close();
    subscription.close();

    assertThat(store.runningFeeds()).isZero();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals(thread));
    int alives = heard.alives.get();
    store.save(grant("after", Subject.user("alice")));
    assertThat(heard.grants).doesNotContain("after");
    assertThat(heard.alives.get()).isEqualTo(alives);

    store.subscribe(new RecordingListener());
    store.close();
    assertThat(store.runningFeeds()).isZero();
    assertThatThrownBy(() -> store.subscribe(new RecordingListener())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void changesCommittedOutOfSequenceOrderAreAllReported() throws SQLException {
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)));
    store.save(grant("first", Subject.user("alice")));
    RecordingListener heard = new RecordingListener();
    toClose.add(store.subscribe(heard));
    await().until(() -> heard.alives.get() > 1);
    long top = maxSeq();

    // Number top+2 commits before top+1: the feed must not skip top+1 when it shows up.
    execute("INSERT INTO jit_changes (seq, kind, id, changed_at) VALUES (" + (top + 2) + ", 'G', 'late-2', 0)");
    await().until(() -> heard.grants.contains("late-2"));
    execute("INSERT INTO jit_changes (seq, kind, id, changed_at) VALUES (" + (top + 1) + ", 'G', 'late-1', 0)");
    await().until(() -> heard.grants.contains("late-1"));

    assertThat(heard.resyncs).hasValue(1); // only the first, on connecting
  }

  @Test
  void aGapThatNeverFillsMakesTheListenerResync() throws SQLException {
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)));
    RecordingListener heard = new RecordingListener();
    toClose.add(store.subscribe(heard));
    await().until(() -> heard.resyncs.get() == 1 && heard.alives.get() > 1);
    long top = maxSeq();

    execute("INSERT INTO jit_changes (seq, kind, id, changed_at) VALUES (" + (top + 3) + ", 'G', 'after-gap', 0)");

    await().until(() -> heard.grants.contains("after-gap"));
    await().atMost(Duration.ofSeconds(10)).until(() -> heard.resyncs.get() == 2);
  }

  @Test
  void aLostConnectionIsReconnectedAndResynced() {
    TestDatabases.BreakableDataSource feedSource = new TestDatabases.BreakableDataSource(ds);
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true).feedDataSource(feedSource)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)));
    RecordingListener heard = new RecordingListener();
    toClose.add(store.subscribe(heard));
    await().until(() -> heard.resyncs.get() == 1);

    feedSource.breakDown();
    feedSource.closeAll();
    int alivesWhenLost = heard.alives.get();
    store.save(grant("while-away", Subject.user("alice")));
    await().during(Duration.ofMillis(200)).until(() -> heard.alives.get() <= alivesWhenLost + 1);
    assertThat(heard.resyncs).hasValue(1);

    feedSource.heal();
    await().until(() -> heard.resyncs.get() == 2 && heard.alives.get() > alivesWhenLost + 1);
  }

  @Test
  void theChangeLogIsPrunedAfterItsRetention() throws SQLException {
    JdbcGrantStore store = store(JdbcGrantStore.builder().dataSource(ds).createSchema(true)
        .pollInterval(Duration.ofMillis(5)).heartbeat(Duration.ofMillis(50)).changeLogRetention(Duration.ofSeconds(1)));
    for (int i = 0; i < 5; i++) {
      store.save(grant("g" + i, Subject.user("alice")));
    }
    toClose.add(store.subscribe(new RecordingListener()));

    await().atMost(Duration.ofSeconds(10)).until(() -> changeRows() == 0);
    store.save(grant("fresh", Subject.user("alice")));
    assertThat(changeLog()).containsExactly("G:fresh");
    assertThat(store.findActive()).hasSize(6);
  }

  // ------------------------------------------------------------------------------------------- helpers

  private void execute(String sql) throws SQLException {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private long maxSeq() throws SQLException {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COALESCE(MAX(seq), 0) FROM jit_changes")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private int changeRows() {
    try {
      return changeLog().size();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> changeLog() throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT kind, id FROM jit_changes ORDER BY seq")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + ":" + rs.getString(2));
      }
    }
    return rows;
  }
}
