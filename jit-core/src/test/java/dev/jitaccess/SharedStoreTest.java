package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ChangeFeed;
import dev.jitaccess.store.ForwardingGrantStore;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
  void anExtensionReportedBackByTheFeedBeforeItIsShownDoesNotReviveAGrantThatRanOutMeanwhile() {
    ExpiryHeldStore held = new ExpiryHeldStore(store);
    EngineFixture[] self = new EngineFixture[1];
    // The policy answers the extension as the grant runs out, and a check sees it ended; the store's feed then
    // reports the stored extension back (on the writing thread) before the extension could be shown. The expiry
    // thread's own end waits, so the extension's thread decides.
    EngineFixture a = fixtures.create(held, b -> b.stalenessBound(Duration.ofSeconds(10))
        .policy(new AccessPolicy() {
          @Override
          public PolicyDecision evaluate(AccessRequest request) {
            return EngineFixture.ALLOW_ALL.evaluate(request);
          }

          @Override
          public PolicyDecision evaluateExtension(Grant grant, Duration more, String why) {
            self[0].clock.set(grant.expiresAt());
            assertThat(self[0].jit.isAllowed(ALICE, ORDERS, "read")).as("ran out").isFalse();
            return EngineFixture.ALLOW_ALL.evaluateExtension(grant, more, why);
          }
        }));
    self[0] = a;
    Grant grant = a.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    try {
      assertThatThrownBy(() -> a.jit.extend(grant.id(), Duration.ofMinutes(10), "too late"))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("ended");
      assertThat(a.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
      assertThat(store.findById(grant.id()).orElseThrow().state()).isEqualTo(GrantState.EXPIRED);
    } finally {
      held.expiryMayWrite.countDown();
    }
  }

  /** The shared store, holding back the expiry thread's writes until the test lets them through. */
  private static final class ExpiryHeldStore extends ForwardingGrantStore implements ChangeFeed {
    final CountDownLatch expiryMayWrite = new CountDownLatch(1);
    private final FeedingStore feed;

    ExpiryHeldStore(FeedingStore feed) {
      super(feed);
      this.feed = feed;
    }

    @Override
    public boolean compareAndSet(long expectedVersion, Grant updated) {
      if (Thread.currentThread().getName().startsWith("jit-expiry")) {
        try {
          expiryMayWrite.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.compareAndSet(expectedVersion, updated);
    }

    @Override
    public AutoCloseable subscribe(ChangeListener listener) {
      return feed.subscribe(listener);
    }
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
