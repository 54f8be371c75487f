package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several managers on one store with a change feed: what one does holds on all (issue 6's engine side). */
class SharedStoreTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private final FeedingStore store = new FeedingStore();

  private EngineFixture instance() {
    return fixtures.create(store, b -> b.stalenessBound(Duration.ofSeconds(10)));
  }

  @Test
  void aGrantMadeOnOneInstanceIsAllowedOnTheOtherAndARevocationDeniedOnBoth() {
    EngineFixture a = instance();
    EngineFixture b = instance();

    Grant grant = a.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();

    assertThat(b.jit.revoke(grant.id(), ADMIN, "compromised")).isTrue();
    assertThat(a.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(a.jit.revoke(grant.id(), ADMIN, "again")).isFalse();
  }

  @Test
  void anExtensionOnOneInstanceHoldsOnTheOther() {
    EngineFixture a = instance();
    EngineFixture b = instance();
    Grant grant = a.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    a.jit.extend(grant.id(), Duration.ofMinutes(10), "more");
    b.clock.advance(Duration.ofMinutes(15));
    store.heartbeat();

    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
  }

  @Test
  void expiryRacingOnBothInstancesWritesOneExpiredEvent() {
    EngineFixture a = instance();
    EngineFixture b = instance();
    Grant grant = a.grant(ALICE, ORDERS, Duration.ofMinutes(5));

    a.clock.advance(Duration.ofMinutes(5));
    b.clock.advance(Duration.ofMinutes(5));

    await().until(() -> store.findById(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
    await().until(() -> a.eventsOf(grant.id(), AuditEventType.EXPIRED).size()
        + b.eventsOf(grant.id(), AuditEventType.EXPIRED).size() >= 1);
    assertThat(a.eventsOf(grant.id(), AuditEventType.EXPIRED).size()
        + b.eventsOf(grant.id(), AuditEventType.EXPIRED).size()).isEqualTo(1);
  }

  @Test
  void whenTheFeedGoesSilentBeyondTheBoundEveryCheckIsDeniedUntilItResyncs() {
    EngineFixture a = instance();
    EngineFixture b = instance();
    Grant grant = a.grant(ALICE, ORDERS, Duration.ofHours(1));
    store.goSilent();
    a.jit.revoke(grant.id(), ADMIN, "revoked while b was not listening");

    b.clock.advance(Duration.ofSeconds(10));
    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isTrue(); // within the bound: still trusted
    b.clock.advance(Duration.ofMillis(1));
    assertThat(b.jit.check(ALICE, ORDERS, "read").reason()).contains("stale");

    store.reconnect();
    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(b.jit.check(ALICE, ORDERS, "read").reason()).doesNotContain("stale");
    Grant fresh = a.grant(ALICE, ORDERS, Duration.ofHours(1));
    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(b.jit.grant(fresh.id())).isPresent();
  }

  @Test
  void aResyncThatFailedIsNotForgivenByTheNextHeartbeat() {
    EngineFixture a = instance();
    EngineFixture b = instance();
    Grant grant = a.grant(ALICE, ORDERS, Duration.ofHours(1));
    store.goSilent();
    a.jit.revoke(grant.id(), ADMIN, "missed by b");

    store.unreadable(true);
    store.reconnect(); // b's resync fails: it cannot know what it missed
    assertThat(b.jit.check(ALICE, ORDERS, "read").reason()).contains("stale");
    store.heartbeat(); // the feed is up, the store is still unreadable: still stale
    assertThat(b.jit.check(ALICE, ORDERS, "read").reason()).contains("stale");

    store.unreadable(false);
    store.heartbeat(); // this heartbeat resyncs first
    assertThat(b.jit.check(ALICE, ORDERS, "read").reason()).doesNotContain("stale");
    assertThat(b.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void pendingRequestsMadeOnOneInstanceCanBeApprovedOnTheOther() {
    dev.jitaccess.policy.ApprovalRequirement requirement = new dev.jitaccess.policy.ApprovalRequirement(1,
        java.util.Set.of(ADMIN), java.util.Set.of(), false, Duration.ofMinutes(30));
    dev.jitaccess.policy.AccessPolicy policy =
        r -> dev.jitaccess.policy.PolicyDecision.requireApprovals("one", r.duration(), requirement);
    EngineFixture a = fixtures.create(store, x -> x.policy(policy));
    EngineFixture b = fixtures.create(store, x -> x.policy(policy));

    String requestId = a.jit.request(EngineFixture.request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
    assertThat(b.jit.pendingRequests()).extracting(RequestRecord::id).containsExactly(requestId);
    b.jit.approve(requestId, ADMIN, "ok");

    assertThat(a.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
  }
}
