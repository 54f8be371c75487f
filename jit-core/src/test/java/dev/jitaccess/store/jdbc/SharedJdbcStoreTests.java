package dev.jitaccess.store.jdbc;

import static dev.jitaccess.store.jdbc.Instance.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.RequestState;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.testing.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several managers, each on its own connections and change feed, sharing one database: what one does holds on
 * the others. Subclasses give the database. Propagation delays are measured and printed, never asserted beyond
 * generous timeouts.
 */
abstract class SharedJdbcStoreTests {

  /** How long a check trusts a silent feed in these tests; the feeds heartbeat every 200 ms. */
  static final Duration BOUND = Duration.ofSeconds(2);
  static final Duration PATIENCE = Duration.ofSeconds(20);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final String run = UUID.randomUUID().toString().substring(0, 6);

  /** What the figures are printed under. */
  abstract String label();

  /** A data source for one instance's store, with connections of its own. */
  abstract DataSource storeDataSource(String instance) throws Exception;

  /** A data source for one instance's change feed. */
  abstract DataSource feedDataSource(String instance) throws Exception;

  /** Drops the instance's feed connection as the database or the network would. */
  abstract void dropFeedConnection(Instance instance) throws Exception;

  JdbcGrantStore.Builder tune(JdbcGrantStore.Builder builder) {
    return builder.pollInterval(Duration.ofMillis(10)).heartbeat(Duration.ofMillis(200));
  }

  @BeforeEach
  void sameThreadPolling() {
    // A condition that touches an embedded database must never be interrupted by a timing-out poller.
    Awaitility.pollInSameThread();
  }

  @AfterEach
  void closeEverything() throws Exception {
    Awaitility.reset();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  <T extends AutoCloseable> T track(T closeable) {
    open.add(closeable);
    return closeable;
  }

  Instance instance(String name) throws Exception {
    return instance(name, Clock.systemUTC());
  }

  Instance instance(String name, Clock clock) throws Exception {
    String unique = name + "-" + run;
    DataSource storeSource = storeDataSource(unique);
    if (storeSource instanceof AutoCloseable closeable) {
      track(closeable);
    }
    TestDatabases.BreakableDataSource feed = new TestDatabases.BreakableDataSource(feedDataSource(unique));
    JdbcGrantStore store = tune(JdbcGrantStore.builder().dataSource(storeSource).feedDataSource(feed)
        .createSchema(true)).build();
    return track(new Instance(unique, store, feed, clock, BOUND));
  }

  Subject subject(String name) {
    return Subject.user(name + "-" + run);
  }

  static ConditionFactory soon() {
    return await().atMost(PATIENCE).pollDelay(Duration.ZERO).pollInterval(Duration.ofNanos(100_000));
  }

  // ------------------------------------------------------------------------------------------------ tests

  @Test
  void aGrantOnOneIsAllowedOnTheOtherAndARevocationDeniedThere() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    int rounds = 200;
    long[] grantNanos = new long[rounds];
    long[] revokeNanos = new long[rounds];

    for (int i = 0; i < rounds; i++) {
      Subject alice = subject("alice-" + i);
      Grant grant = a.grant(alice, Duration.ofHours(1));
      grantNanos[i] = nanosUntil(() -> b.allowed(alice));
      assertThat(a.jit.revoke(grant.id(), ADMIN, "round " + i)).isTrue();
      revokeNanos[i] = nanosUntil(() -> !b.allowed(alice));
    }

    System.out.printf("[%s] grant on A -> allowed on B, %d rounds: %s%n", label(), rounds, figures(grantNanos));
    System.out.printf("[%s] revocation on A -> denied on B, %d rounds: %s%n", label(), rounds, figures(revokeNanos));
    Subject last = subject("alice-" + (rounds - 1));
    assertThat(b.allowed(last)).isFalse();
    assertThat(a.allowed(last)).isFalse();
  }

  @Test
  void anExtensionOnOneHoldsOnTheOtherAndBothEndItOnce() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    Subject alice = subject("alice");
    Grant grant = a.grant(alice, Duration.ofMinutes(10));
    soon().until(() -> b.allowed(alice));

    Grant extended = a.jit.extend(grant.id(), Duration.ofMinutes(10), "more");
    soon().until(() -> b.jit.grant(grant.id()).map(Grant::expiresAt).orElse(null), e -> extended.expiresAt().equals(e));

    assertThat(b.jit.release(grant.id())).isTrue();
    assertThat(a.jit.revoke(grant.id(), ADMIN, "too late")).isFalse();
    soon().until(() -> !a.allowed(alice));
    assertThat(a.events(grant.id(), AuditEventType.REVOKED)).isEmpty();
    assertThat(b.events(grant.id(), AuditEventType.RELEASED)).hasSize(1);
  }

  @Test
  void expiryRacingOnBothInstancesWritesOneExpiredEventPerGrant() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      Subject s = subject("racer-" + i);
      Grant g = a.grant(s, Duration.ofMillis(1500));
      grants.add(g);
    }
    for (Grant g : grants) {
      soon().until(() -> b.jit.grant(g.id()).isPresent()); // B schedules its own expiry of it
    }

    for (Grant g : grants) {
      soon().until(() -> a.store.findById(g.id()).orElseThrow().state() == GrantState.EXPIRED);
      soon().until(() -> a.events(g.id(), AuditEventType.EXPIRED).size() + b.events(g.id(), AuditEventType.EXPIRED).size() >= 1);
    }

    int byA = 0;
    int byB = 0;
    for (Grant g : grants) {
      int onA = a.events(g.id(), AuditEventType.EXPIRED).size();
      int onB = b.events(g.id(), AuditEventType.EXPIRED).size();
      assertThat(onA + onB).as("EXPIRED events of %s", g.id()).isEqualTo(1);
      assertThat(a.store.findById(g.id()).orElseThrow().endedAt()).isEqualTo(g.expiresAt());
      byA += onA;
      byB += onB;
    }
    System.out.printf("[%s] expiry race on 20 grants: %d expired by A, %d by B, no grant twice%n", label(), byA, byB);
  }

  @Test
  void whenOneInstanceIsGoneTheOtherStillExpiresItsGrants() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      grants.add(a.grant(subject("orphan-" + i), Duration.ofSeconds(3)));
    }
    for (Grant g : grants) {
      soon().until(() -> b.allowed(g.subject()));
    }

    a.close(); // the instance that made them is gone

    for (Grant g : grants) {
      soon().until(() -> b.events(g.id(), AuditEventType.EXPIRED).size() == 1);
      assertThat(b.store.findById(g.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
      assertThat(b.allowed(g.subject())).isFalse();
      assertThat(a.events(g.id(), AuditEventType.EXPIRED)).isEmpty();
    }
  }

  @Test
  void aRequestMadeOnOneIsApprovedOnTheOther() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    Subject carol = subject("carol");
    String requestId = a.jit.request(Instance.request(carol, Duration.ofMinutes(5)).reference(Instance.NEEDS_APPROVAL)
        .build()).requestId();

    soon().until(() -> b.jit.pendingRequests().stream().anyMatch(r -> r.id().equals(requestId)));
    b.jit.approve(requestId, ADMIN, "ok");

    soon().until(() -> a.allowed(carol));
    assertThat(a.store.findRequest(requestId).map(RequestRecord::state)).contains(RequestState.GRANTED);
    soon().until(() -> a.jit.pendingRequests().stream().noneMatch(r -> r.id().equals(requestId)));
  }

  @Test
  void whenTheFeedIsLostChecksAreDeniedAfterTheBoundThenItReconnectsAndResyncs() throws Exception {
    Instance a = instance("a");
    Instance b = instance("b");
    Subject alice = subject("alice");
    Grant grant = a.grant(alice, Duration.ofHours(1));
    soon().until(() -> b.allowed(alice));

    b.feed.breakDown(); // no reconnection for now
    dropFeedConnection(b);
    long lost = System.nanoTime();
    a.jit.revoke(grant.id(), ADMIN, "revoked while b is not listening");
    Subject bob = subject("bob");
    Grant fresh = a.grant(bob, Duration.ofHours(1));

    soon().until(() -> b.jit.check(alice, Instance.ORDERS, "read").reason(), r -> r != null && r.contains("stale"));
    long stale = System.nanoTime();
    assertThat(b.allowed(bob)).isFalse();

    b.feed.heal();
    soon().until(() -> b.allowed(bob));
    long back = System.nanoTime();
    assertThat(b.allowed(alice)).isFalse();
    assertThat(b.jit.check(alice, Instance.ORDERS, "read").reason()).doesNotContain("stale");
    assertThat(b.jit.grant(fresh.id())).isPresent();
    System.out.printf("[%s] feed lost: checks stale after %d ms (bound %d ms), back %d ms after healing%n", label(),
        (stale - lost) / 1_000_000, BOUND.toMillis(), (back - stale) / 1_000_000);
  }

  @Test
  void restartedInstancesExpireWhatRanOutWhileTheyWereDownExactlyOnce() throws Exception {
    ManualClock clock = new ManualClock();
    Instance first = instance("first", clock);
    Subject alice = subject("alice");
    Subject bob = subject("bob");
    Grant soon = first.grant(alice, Duration.ofMinutes(10));
    Grant later = first.grant(bob, Duration.ofHours(1));
    String waiting = first.jit.request(Instance.request(subject("carol"), Duration.ofMinutes(5))
        .reference(Instance.NEEDS_APPROVAL).build()).requestId();
    first.close();

    clock.advance(Duration.ofMinutes(20)); // everything was down for 20 minutes
    Instance a = instance("a", clock);
    Instance b = instance("b", clock);

    soon().until(() -> a.store.findById(soon.id()).orElseThrow().state() == GrantState.EXPIRED);
    soon().until(() -> a.store.findRequest(waiting).orElseThrow().state() == RequestState.EXPIRED);
    soon().until(() -> a.events(soon.id(), AuditEventType.EXPIRED).size() + b.events(soon.id(), AuditEventType.EXPIRED).size() >= 1);
    soon().until(() -> a.requestEvents(waiting, AuditEventType.EXPIRED).size() + b.requestEvents(waiting, AuditEventType.EXPIRED).size() >= 1);
    assertThat(a.events(soon.id(), AuditEventType.EXPIRED).size() + b.events(soon.id(), AuditEventType.EXPIRED).size())
        .isEqualTo(1);
    assertThat(a.requestEvents(waiting, AuditEventType.EXPIRED).size()
        + b.requestEvents(waiting, AuditEventType.EXPIRED).size()).isEqualTo(1);
    assertThat(a.store.findById(soon.id()).orElseThrow().endedAt()).isEqualTo(soon.expiresAt()); // the original expiry
    soon().until(() -> a.allowed(bob) && b.allowed(bob));
    assertThat(a.allowed(alice) || b.allowed(alice)).isFalse();

    clock.advance(Duration.ofMinutes(45)); // the other one runs out while both are up
    soon().until(() -> a.store.findById(later.id()).orElseThrow().state() == GrantState.EXPIRED);
    soon().until(() -> a.events(later.id(), AuditEventType.EXPIRED).size() + b.events(later.id(), AuditEventType.EXPIRED).size() >= 1);
    assertThat(a.events(later.id(), AuditEventType.EXPIRED).size() + b.events(later.id(), AuditEventType.EXPIRED).size())
        .isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------- figures

  /** Nanoseconds until {@code condition} holds, polled every 0.1 ms in this thread (bounded by the patience). */
  static long nanosUntil(Callable<Boolean> condition) {
    long start = System.nanoTime();
    soon().until(condition);
    return System.nanoTime() - start;
  }

  static String figures(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format("p50 %.2f ms, p99 %.2f ms, max %.2f ms", percentile(sorted, 50) / 1e6,
        percentile(sorted, 99) / 1e6, sorted[sorted.length - 1] / 1e6);
  }

  static long percentile(long[] sorted, int p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
