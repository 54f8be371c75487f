package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EngineSemanticsTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void aClockSteppedBackNeverRevivesOrLengthensAGrant() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.advance(Duration.ofMinutes(11));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    f.clock.advance(Duration.ofMinutes(-6)); // the wall clock is stepped back into the grant's window

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    await().until(() -> f.jit.grant(grant.id()).orElseThrow().state() == GrantState.EXPIRED);
  }

  @Test
  void grantIsEffectiveFromNotBeforeUpToButExcludingExpiresAt() {
    EngineFixture f = fixtures.create();
    f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.advance(Duration.ofMinutes(10).minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.advance(Duration.ofMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void revokeAndExpiryRacingWriteExactlyOneTerminalEventPerGrant() throws Exception {
    EngineFixture f = fixtures.create();
    List<Grant> grants = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      grants.add(f.grant(Subject.user("u" + (i % 17)), "prod/db/t" + i, Duration.ofMinutes(1)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> work = new ArrayList<>();
      work.add(pool.submit(() -> {
        start.await();
        f.clock.advance(Duration.ofMinutes(1)); // the expiry thread starts ending them all
        return null;
      }));
      for (int t = 0; t < 2; t++) {
        int offset = t;
        work.add(pool.submit(() -> {
          start.await();
          for (int i = offset; i < grants.size(); i += 2) {
            Grant g = grants.get(i);
            if (i % 3 == 0) {
              f.jit.release(g.id());
            } else {
              f.jit.revoke(g.id(), ADMIN, "race");
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> w : work) {
        w.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    await().until(() -> grants.stream().allMatch(g -> f.terminalEvents(g.id()) >= 1));
    for (Grant g : grants) {
      assertThat(f.terminalEvents(g.id())).as(g.id()).isEqualTo(1);
      assertThat(f.jit.grant(g.id()).orElseThrow().state().isTerminal()).isTrue();
    }
    assertThat(f.store.findActive()).isEmpty();
  }

  @Test
  void firstUseIsAuditedOncePerResourceAndAction() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, "prod/db/**", Duration.ofMinutes(10), "read", "write");

    for (int i = 0; i < 5; i++) {
      f.jit.check(ALICE, "prod/db/orders", "read");
      f.jit.check(ALICE, "prod/db/orders", "write");
      f.jit.check(ALICE, "prod/db/customers", "read");
    }

    List<AuditEvent> used = f.events(AuditEventType.ACCESS_USED);
    assertThat(used).extracting(e -> e.resource() + " " + e.actions())
        .containsExactlyInAnyOrder("prod/db/orders [read]", "prod/db/orders [write]", "prod/db/customers [read]");
    assertThat(used).allSatisfy(e -> {
      assertThat(e.grantId()).isEqualTo(grant.id());
      assertThat(e.requestId()).isEqualTo(grant.requestId());
      assertThat(e.details()).containsEntry("grantResource", "prod/db/**");
    });
  }

  @Test
  void everyUseAndNoUseModes() {
    EngineFixture every = fixtures.create(b -> b.usageAudit(UsageAudit.EVERY_USE));
    EngineFixture none = fixtures.create(b -> b.usageAudit(UsageAudit.NONE));
    every.grant(ALICE, ORDERS, Duration.ofMinutes(10));
    none.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    for (int i = 0; i < 3; i++) {
      assertThat(every.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
      assertThat(none.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    }

    assertThat(every.events(AuditEventType.ACCESS_USED)).hasSize(3);
    assertThat(none.events(AuditEventType.ACCESS_USED)).isEmpty();
  }

  @Test
  void deniedChecksAreAuditedButRateLimitedPerSubject() {
    EngineFixture f = fixtures.create(b -> b.deniedEventsPerMinute(3));

    for (int i = 0; i < 50; i++) {
      f.jit.check(ALICE, ORDERS, "read");
      f.jit.check(BOB, ORDERS, "write");
    }
    assertThat(f.events(AuditEventType.ACCESS_DENIED)).hasSize(6);

    f.clock.advance(Duration.ofMinutes(1));
    f.jit.check(ALICE, ORDERS, "read");

    List<AuditEvent> denied = f.events(AuditEventType.ACCESS_DENIED);
    assertThat(denied).hasSize(7);
    assertThat(denied.get(6).details()).containsEntry("suppressed", "47");
    assertThat(denied.get(6).reason()).isEqualTo("no active grant covers this resource and action");
  }

  @Test
  void deniedHostileInputIsAuditedEscaped() {
    EngineFixture f = fixtures.create();

    f.jit.check(ALICE, "prod/db\nevent=GRANTED", "read");

    assertThat(f.events(AuditEventType.ACCESS_DENIED)).singleElement()
        .satisfies(e -> assertThat(e.resource()).doesNotContain("\n").contains("\\u000a"));
  }

  @Test
  void aThrowingListenerBreaksNeitherTheEngineNorOtherListeners() {
    List<String> heard = new CopyOnWriteArrayList<>();
    JitAccessListener broken = new JitAccessListener() {
      @Override
      public void onGranted(Grant grant) {
        throw new IllegalStateException("chat is down");
      }

      @Override
      public void onExpired(Grant grant) {
        throw new IllegalStateException("chat is down");
      }
    };
    JitAccessListener working = new JitAccessListener() {
      @Override
      public void onGranted(Grant grant) {
        heard.add("granted");
      }

      @Override
      public void onExtended(Grant grant) {
        heard.add("extended");
      }

      @Override
      public void onReleased(Grant grant) {
        heard.add("released");
      }

      @Override
      public void onRevoked(Grant grant, Subject actor, String reason) {
        heard.add("revoked by " + actor.id() + ": " + reason);
      }

      @Override
      public void onExpired(Grant grant) {
        heard.add("expired");
      }
    };
    EngineFixture f = fixtures.create(b -> b.listener(broken).listener(working));

    Grant a = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    f.jit.extend(a.id(), Duration.ofMinutes(1), "more");
    f.jit.release(a.id());
    Grant b = f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    f.jit.revoke(b.id(), ADMIN, "done");
    f.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    f.clock.advance(Duration.ofMinutes(5));

    await().until(() -> heard.contains("expired"));
    assertThat(heard).containsExactly("granted", "extended", "released", "granted", "revoked by admin: done",
        "granted", "expired");
  }

  @Test
  void aManagerStartedOnAnExistingStoreHonoursActiveGrantsAndExpiresOverdueOnesOnce() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    EngineFixture first = fixtures.create(store, b -> {});
    Grant shortGrant = first.grant(ALICE, ORDERS, Duration.ofMinutes(5));
    Grant longGrant = first.grant(BOB, ORDERS, Duration.ofHours(2));
    first.close();

    EngineFixture second = fixtures.create(store, b -> {});
    second.clock.advance(Duration.ofMinutes(30)); // the outage: nothing ran while shortGrant ran out

    await().until(() -> second.eventsOf(shortGrant.id(), AuditEventType.EXPIRED).size() == 1);
    assertThat(second.eventsOf(shortGrant.id(), AuditEventType.EXPIRED).get(0).details())
        .containsEntry("expiresAt", shortGrant.expiresAt().toString());
    assertThat(store.findById(shortGrant.id()).orElseThrow().endedAt()).isEqualTo(shortGrant.expiresAt());
    assertThat(second.jit.isAllowed(BOB, ORDERS, "read")).isTrue();
    assertThat(second.jit.activeGrants(BOB)).containsExactly(longGrant);
    assertThat(second.terminalEvents(shortGrant.id())).isEqualTo(1);
  }

  @Test
  void acquireReleasesOnCloseAlsoWhenTheBlockThrows() {
    EngineFixture f = fixtures.create();
    String[] grantId = new String[1];

    assertThatThrownBy(() -> {
      try (GrantHandle handle = f.jit.acquire(request(Subject.service("ci-deploy"), "prod/deploy",
          Duration.ofMinutes(5), "deploy").build())) {
        grantId[0] = handle.grant().id();
        assertThat(f.jit.isAllowed(Subject.service("ci-deploy"), "prod/deploy", "deploy")).isTrue();
        throw new IllegalStateException("the job failed");
      }
    }).hasMessage("the job failed");

    assertThat(f.jit.isAllowed(Subject.service("ci-deploy"), "prod/deploy", "deploy")).isFalse();
    assertThat(f.jit.grant(grantId[0]).orElseThrow().endReason()).isEqualTo(Grant.RELEASED_REASON);
    assertThat(f.eventsOf(grantId[0], AuditEventType.RELEASED)).hasSize(1);
  }

  @Test
  void acquireWhenDeniedThrowsWithTheOutcome() {
    EngineFixture f = fixtures.create(b -> b.policy(r -> PolicyDecision.deny("pipelines may not")));

    assertThatThrownBy(() -> f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOfSatisfying(AccessNotGrantedException.class,
            e -> assertThat(e.outcome()).isInstanceOf(RequestOutcome.Denied.class))
        .hasMessageContaining("pipelines may not");
  }

  @Test
  void acquireRefusesAFutureStart() {
    EngineFixture f = fixtures.create();

    assertThatThrownBy(() -> f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5))
        .startAt(f.clock.instant().plusSeconds(60)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("startAt");
    assertThat(f.store.findActive()).isEmpty();
  }

  @Test
  void closingAHandleTwiceReleasesOnce() {
    EngineFixture f = fixtures.create();
    GrantHandle handle = f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build());

    handle.close();
    handle.close();

    assertThat(f.eventsOf(handle.grant().id(), AuditEventType.RELEASED)).hasSize(1);
  }
}
