package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 4: multi-party approval with separation of duties, review windows, scheduled access, break-glass. */
class ApprovalWorkflowTest {

  static final Subject CAROL = Subject.user("carol");
  static final Subject DAVE = Subject.user("dave");
  static final Subject ERIN = Subject.user("erin");

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static AccessPolicy twoOf(Set<Subject> approvers, Set<String> groups, boolean selfApproval) {
    ApprovalRequirement requirement =
        new ApprovalRequirement(2, approvers, groups, selfApproval, Duration.ofMinutes(30));
    return r -> PolicyDecision.requireApprovals("two-person", r.duration(), requirement);
  }

  private EngineFixture twoPersonRule() {
    return fixtures.create(b -> b.policy(twoOf(Set.of(ALICE, BOB, CAROL), Set.of("dba"), false))
        .approverDirectory(s -> s.equals(ERIN) ? Set.of("dba") : Set.of()));
  }

  private String pending(EngineFixture f, Subject requester) {
    RequestOutcome outcome = f.jit.request(request(requester, ORDERS, Duration.ofMinutes(10)).build());
    assertThat(outcome).isInstanceOfSatisfying(RequestOutcome.Pending.class,
        p -> assertThat(p.approvalsNeeded()).isEqualTo(2));
    return outcome.requestId();
  }

  @Test
  void twoDistinctApproversGrantAndTheClockStartsAtTheLastApproval() {
    List<String> heard = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.policy(twoOf(Set.of(BOB, CAROL), Set.of(), false))
        .listener(new JitAccessListener() {
          @Override
          public void onPendingApproval(RequestRecord request) {
            heard.add("pending " + request.approvalsNeeded());
          }

          @Override
          public void onGranted(Grant grant) {
            heard.add("granted");
          }
        }));
    String requestId = pending(f, ALICE);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    f.clock.advance(Duration.ofMinutes(5));
    assertThat(f.jit.approve(requestId, BOB, "ok")).isEqualTo(new RequestOutcome.Pending(requestId, 1));
    f.clock.advance(Duration.ofMinutes(5));
    RequestOutcome outcome = f.jit.approve(requestId, CAROL, "looks right");

    Grant grant = ((RequestOutcome.Granted) outcome).grant();
    assertThat(grant.notBefore()).isEqualTo(f.clock.instant());
    assertThat(grant.expiresAt()).isEqualTo(f.clock.instant().plus(Duration.ofMinutes(10)));
    assertThat(grant.approvals()).extracting(Approval::approver).containsExactly(BOB, CAROL);
    assertThat(grant.requestId()).isEqualTo(requestId);
    assertThat(f.store.findRequest(requestId).orElseThrow().grantId()).isEqualTo(grant.id());
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.events(AuditEventType.APPROVED)).hasSize(2)
        .allSatisfy(e -> assertThat(e.requestId()).isEqualTo(requestId));
    assertThat(f.jit.pendingRequests()).isEmpty();
    await().untilAsserted(() -> assertThat(heard).containsExactly("pending 2", "granted"));
  }

  @Test
  void theRequesterCannotApproveItsOwnRequest() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);

    assertThatThrownBy(() -> f.jit.approve(requestId, ALICE, "me"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own request");

    assertThat(f.jit.pendingRequests()).singleElement().satisfies(r -> assertThat(r.approvals()).isEmpty());
    assertThat(f.events(AuditEventType.APPROVED)).isEmpty();
  }

  @Test
  void selfApprovalCountsWhenTheRuleAllowsIt() {
    EngineFixture f = fixtures.create(b -> b.policy(twoOf(Set.of(ALICE, BOB), Set.of(), true)));
    String requestId = pending(f, ALICE);

    f.jit.approve(requestId, ALICE, "me");

    assertThat(f.jit.approve(requestId, BOB, "ok")).isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void oneApproverCountsOnce() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);

    f.jit.approve(requestId, BOB, "ok");
    RequestOutcome again = f.jit.approve(requestId, BOB, "ok again");

    assertThat(again).isEqualTo(new RequestOutcome.Pending(requestId, 1));
    assertThat(f.events(AuditEventType.APPROVED)).hasSize(1);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void anIneligibleApproverGetsAClearErrorAndChangesNothing() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);

    assertThatThrownBy(() -> f.jit.approve(requestId, DAVE, "sure"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not eligible");
    assertThatThrownBy(() -> f.jit.deny(requestId, DAVE, "no"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not eligible");

    assertThat(f.jit.pendingRequests()).singleElement().satisfies(r -> {
      assertThat(r.approvals()).isEmpty();
      assertThat(r.state()).isEqualTo(RequestState.PENDING);
    });
  }

  @Test
  void groupMembersFromTheApproverDirectoryMayApprove() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);

    assertThat(f.jit.pendingRequestsFor(ERIN)).extracting(RequestRecord::id).containsExactly(requestId);
    assertThat(f.jit.pendingRequestsFor(DAVE)).isEmpty();
    assertThat(f.jit.pendingRequestsFor(ALICE)).isEmpty();
    f.jit.approve(requestId, ERIN, "dba on call");
    assertThat(f.jit.pendingRequestsFor(ERIN)).isEmpty();
    assertThat(f.jit.pendingRequestsFor(BOB)).extracting(RequestRecord::id).containsExactly(requestId);

    assertThat(f.jit.approve(requestId, BOB, "ok")).isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void anyDenyEndsTheRequest() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);
    f.jit.approve(requestId, BOB, "ok");

    RequestOutcome outcome = f.jit.deny(requestId, CAROL, "not during the freeze");

    assertThat(outcome).isEqualTo(new RequestOutcome.Denied(requestId, "not during the freeze"));
    assertThat(f.events(AuditEventType.REJECTED)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(CAROL));
    assertThatThrownBy(() -> f.jit.approve(requestId, CAROL, "changed my mind"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("REJECTED");
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    assertThat(f.jit.pendingRequests()).isEmpty();
  }

  @Test
  void anUnansweredRequestExpiresAfterItsReviewWindowWithAnAuditEvent() {
    List<RequestRecord> expired = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.policy(twoOf(Set.of(BOB, CAROL), Set.of(), false))
        .listener(new JitAccessListener() {
          @Override
          public void onRequestExpired(RequestRecord request) {
            expired.add(request);
          }
        }));
    String requestId = pending(f, ALICE);
    f.jit.approve(requestId, BOB, "ok");

    f.clock.advance(Duration.ofMinutes(30));

    await().until(() -> expired.size() == 1);
    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(f.events(AuditEventType.EXPIRED)).singleElement().satisfies(e -> {
      assertThat(e.requestId()).isEqualTo(requestId);
      assertThat(e.grantId()).isNull();
    });
    assertThatThrownBy(() -> f.jit.approve(requestId, CAROL, "late"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no longer pending");
  }

  @Test
  void aManagerStartedLaterStillWatchesThePendingRequests() {
    InMemoryGrantStore store = new InMemoryGrantStore();
    AccessPolicy policy = twoOf(Set.of(BOB, CAROL), Set.of(), false);
    EngineFixture first = fixtures.create(store, b -> b.policy(policy));
    String requestId = pending(first, ALICE);
    first.close();

    EngineFixture second = fixtures.create(store, b -> b.policy(policy));
    assertThat(second.jit.pendingRequests()).extracting(RequestRecord::id).containsExactly(requestId);
    second.clock.advance(Duration.ofHours(1));

    await().until(() -> store.findRequest(requestId).orElseThrow().state() == RequestState.EXPIRED);
  }

  @Test
  void whenTheApprovalCannotBeAuditedItDoesNotCount() {
    EngineFixture f = twoPersonRule();
    String requestId = pending(f, ALICE);
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThatThrownBy(() -> f.jit.approve(requestId, BOB, "ok")).isInstanceOf(dev.jitaccess.audit.AuditException.class);

    f.audit.recover();
    assertThat(f.jit.pendingRequests()).singleElement().satisfies(r -> assertThat(r.approvals()).isEmpty());
  }

  @Test
  void scheduledAccessStartsLaterAndIsCheckedAgainWhenItsWindowOpens() {
    boolean[] allowed = {true};
    EngineFixture f = fixtures.create(b -> b.policy(r -> allowed[0]
        ? PolicyDecision.allow("window", r.duration()) : PolicyDecision.deny("change freeze")));
    Instant start = f.clock.instant().plus(Duration.ofHours(2));
    Grant stillAllowed = ((RequestOutcome.Granted) f.jit.request(
        request(ALICE, ORDERS, Duration.ofMinutes(30)).startAt(start).build())).grant();
    Grant refusedLater = ((RequestOutcome.Granted) f.jit.request(
        request(BOB, ORDERS, Duration.ofMinutes(30)).startAt(start.plusSeconds(60)).build())).grant();

    f.clock.set(start);
    await().until(() -> f.jit.isAllowed(ALICE, ORDERS, "read"));
    allowed[0] = false;
    f.clock.set(start.plusSeconds(60));

    await().until(() -> f.jit.grant(refusedLater.id()).orElseThrow().state() == GrantState.REVOKED);
    assertThat(f.jit.grant(refusedLater.id()).orElseThrow().endReason()).contains("change freeze");
    assertThat(f.jit.isAllowed(BOB, ORDERS, "read")).isFalse();
    assertThat(f.jit.grant(stillAllowed.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
  }

  @Test
  void scheduledGrantIsEffectiveAtItsStartOnlyIfThePolicyStillAllowsIt() {
    AtomicBoolean allowed = new AtomicBoolean(true);
    // The expiry thread's own start check is held back, so the checks below meet the window before it does.
    CountDownLatch timerMayAsk = new CountDownLatch(1);
    EngineFixture f = fixtures.create(b -> b.policy(r -> {
      if (Thread.currentThread().getName().contains("expiry")) {
        awaitUninterruptibly(timerMayAsk);
      }
      return allowed.get() ? PolicyDecision.allow("window", r.duration()) : PolicyDecision.deny("change freeze");
    }));
    Instant start = f.clock.instant().plus(Duration.ofHours(2));
    f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(30)).startAt(start).build());
    f.jit.request(request(BOB, ORDERS, Duration.ofMinutes(30)).startAt(start).build());

    allowed.set(false);
    f.clock.set(start);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).as("the rule changed before the window opened").isFalse();
    allowed.set(true);
    assertThat(f.jit.isAllowed(BOB, ORDERS, "read")).as("at its start, allowed again").isTrue();

    timerMayAsk.countDown();
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void approvedScheduledRequestStartsAtItsStartNotAtTheApproval() {
    EngineFixture f = twoPersonRule();
    Instant start = f.clock.instant().plus(Duration.ofHours(2));
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(10)).startAt(start).build()).requestId();
    f.jit.approve(requestId, BOB, "ok");

    Grant grant = ((RequestOutcome.Granted) f.jit.approve(requestId, CAROL, "ok")).grant();

    assertThat(grant.notBefore()).isEqualTo(start);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void breakGlassIsGrantedAtOnceLoudlyAuditedAndQueuedForReview() {
    List<Grant> heard = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.listener(new JitAccessListener() {
      @Override
      public void onBreakGlass(Grant grant) {
        heard.add(grant);
      }
    }));

    RequestOutcome outcome = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(15), "read", "write")
        .breakGlass(true).reference("INC-4711").justification("orders db down").build());

    Grant grant = ((RequestOutcome.Granted) outcome).grant();
    assertThat(grant.breakGlass()).isTrue();
    assertThat(f.audit.events()).extracting(e -> e.type())
        .containsExactly(AuditEventType.REQUESTED, AuditEventType.BREAK_GLASS, AuditEventType.GRANTED);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "write")).isTrue();
    await().untilAsserted(() -> assertThat(heard).containsExactly(grant));
    assertThat(f.jit.breakGlassReviews()).singleElement().satisfies(r -> {
      assertThat(r.grantId()).isEqualTo(grant.id());
      assertThat(r.incident()).isEqualTo("INC-4711");
    });

    assertThatThrownBy(() -> f.jit.acknowledgeReview(grant.id(), ALICE, "all fine"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own");
    assertThat(f.jit.acknowledgeReview(grant.id(), BOB, "used as described")).isTrue();
    assertThat(f.jit.acknowledgeReview(grant.id(), CAROL, "again")).isFalse();
    assertThat(f.jit.breakGlassReviews()).isEmpty();
    assertThat(f.events(AuditEventType.BREAK_GLASS_REVIEWED)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(BOB));
  }

  @Test
  void breakGlassNeverWaitsForApprovals() {
    EngineFixture f = twoPersonRule();

    RequestOutcome outcome = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(15))
        .breakGlass(true).reference("INC-1").build());

    assertThat(outcome).isInstanceOf(RequestOutcome.Denied.class);
    assertThat(f.jit.pendingRequests()).isEmpty();
  }

  @Test
  void breakGlassCannotBeScheduled() {
    EngineFixture f = fixtures.create();

    RequestOutcome outcome = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(15)).breakGlass(true)
        .reference("INC-1").startAt(f.clock.instant().plusSeconds(600)).build());

    assertThat(outcome).isInstanceOfSatisfying(RequestOutcome.Denied.class,
        d -> assertThat(d.reason()).contains("cannot be scheduled"));
  }

  @Test
  void extensionsAreBoundedByTheRulesLifetimeNeedTheirJustificationAndAreAudited() {
    dev.jitaccess.policy.RulePolicy policy = dev.jitaccess.policy.RulePolicy.builder()
        .rule(dev.jitaccess.policy.AccessRule.builder("orders")
            .resources("prod/db/**").actions("read")
            .maxDuration(Duration.ofMinutes(30)).maxLifetime(Duration.ofHours(1))
            .justificationPattern("^INC-\\d+")
            .autoApprove().build())
        .build();
    EngineFixture f = fixtures.create(b -> b.policy(policy));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(30));

    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(10), "just because"))
        .isInstanceOf(ExtensionDeniedException.class);
    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(30), "INC-1: still on it");
    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMillis(1), "INC-1: more"))
        .isInstanceOf(ExtensionDeniedException.class).hasMessageContaining("PT1H");

    assertThat(Duration.between(extended.notBefore(), extended.expiresAt())).isEqualTo(Duration.ofHours(1));
    assertThat(f.events(AuditEventType.EXTENDED)).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo("INC-1: still on it"));
    f.jit.revoke(grant.id(), Subject.user("admin"), "done");
    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(1), "INC-1: again"))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void listenersHearExpiringSoonAtTheConfiguredLeadAndAgainAfterAnExtension() {
    List<Instant> warnings = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.expiryWarning(Duration.ofMinutes(5)).listener(new JitAccessListener() {
      @Override
      public void onExpiringSoon(Grant grant) {
        warnings.add(grant.expiresAt());
      }
    }));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(30));
    f.grant(BOB, ORDERS, Duration.ofMinutes(3)); // shorter than the lead: no warning

    f.clock.advance(Duration.ofMinutes(24));
    assertThat(warnings).isEmpty();
    f.clock.advance(Duration.ofMinutes(1));
    await().until(() -> warnings.size() == 1);
    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(20), "more");
    f.clock.advance(Duration.ofMinutes(20));

    await().until(() -> warnings.size() == 2);
    assertThat(warnings).containsExactly(grant.expiresAt(), extended.expiresAt());
  }

  @Test
  void pendingRequestsAreListedOldestFirstWithTheirNeeds() {
    EngineFixture f = twoPersonRule();
    String first = pending(f, ALICE);
    f.clock.advance(Duration.ofSeconds(1));
    String second = pending(f, DAVE);

    assertThat(f.jit.pendingRequests()).extracting(RequestRecord::id).containsExactly(first, second);
    assertThat(f.jit.pendingRequests().get(0).approvalsNeeded()).isEqualTo(2);
    assertThat(f.jit.pendingRequests().get(0).request().attributes()).isEqualTo(Map.of());
  }
}
