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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The corners of the approval workflow that mutation testing showed were unguarded. */
class ApprovalEdgeCasesTest {

  static final Subject CAROL = Subject.user("carol");

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static AccessPolicy approvals(int n, Duration granted) {
    ApprovalRequirement requirement = new ApprovalRequirement(n, Set.of(BOB, CAROL), Set.of(), false,
        Duration.ofMinutes(30));
    return r -> PolicyDecision.requireApprovals("r", granted, requirement);
  }

  @Test
  void aClosedManagerRefusesDecisionsAndReviews() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1, Duration.ofHours(1))));
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
    f.jit.close();

    assertThatThrownBy(() -> f.jit.approve(requestId, BOB, "ok")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.deny(requestId, BOB, "no")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.acknowledgeReview("g", BOB, "ok")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.extend("g", Duration.ofMinutes(1), "x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.release("g")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> f.jit.revokeAll(ALICE, BOB, "x")).isInstanceOf(IllegalStateException.class);
    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.PENDING);
  }

  @Test
  void aRejectionIsHeardAndItsEventSurvivesAFailingSink() {
    List<RequestRecord> rejected = new CopyOnWriteArrayList<>();
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1, Duration.ofHours(1)))
        .listener(new JitAccessListener() {
          @Override
          public void onRequestRejected(RequestRecord request) {
            rejected.add(request);
          }
        }));
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThat(f.jit.deny(requestId, BOB, "not now")).isInstanceOf(RequestOutcome.Denied.class);

    await().untilAsserted(() -> assertThat(rejected).singleElement()
        .satisfies(r -> assertThat(r.endReason()).isEqualTo("not now")));
    f.audit.recover();
    f.clock.advance(Duration.ofSeconds(1));
    await().until(() -> f.events(AuditEventType.REJECTED).size() == 1);
  }

  @Test
  void whenTheLastApprovalCannotBeAuditedTheRequestStaysPendingAndStillExpires() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(2, Duration.ofHours(1))));
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
    f.jit.approve(requestId, BOB, "ok");
    f.audit.failWith(new IllegalStateException("disk full"));

    assertThatThrownBy(() -> f.jit.approve(requestId, CAROL, "ok"))
        .isInstanceOf(dev.jitaccess.audit.AuditException.class);

    f.audit.recover();
    RequestRecord record = f.store.findRequest(requestId).orElseThrow();
    assertThat(record.state()).isEqualTo(RequestState.PENDING);
    assertThat(record.approvals()).extracting(Approval::approver).containsExactly(BOB);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    f.clock.advance(Duration.ofMinutes(30));
    await().until(() -> f.store.findRequest(requestId).orElseThrow().state() == RequestState.EXPIRED);
  }

  @Test
  void aRequestPastItsReviewDeadlineIsNoLongerListedEvenBeforeItsTimerRuns() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1, Duration.ofHours(1))));
    RequestRecord record;
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
    record = f.store.findRequest(requestId).orElseThrow();

    f.clock.set(record.reviewDeadline().minusMillis(1));
    assertThat(f.jit.pendingRequests()).hasSize(1);
    f.clock.set(record.reviewDeadline());
    assertThat(f.jit.pendingRequests()).isEmpty();
  }

  @Test
  void anApprovedGrantLastsWhatThePolicyGaveWhenThatIsLessThanAsked() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1, Duration.ofMinutes(2))));
    String requestId = f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();

    Grant grant = ((RequestOutcome.Granted) f.jit.approve(requestId, BOB, "ok")).grant();

    assertThat(Duration.between(grant.notBefore(), grant.expiresAt())).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void theStartCheckOfAScheduledGrantSeesTheRequestAsMadeWithItsGroups() {
    AccessPolicy sreOnly = r -> r.groups().contains("sre")
        ? PolicyDecision.allow("sre", r.duration()) : PolicyDecision.deny("sre only");
    EngineFixture f = fixtures.create(b -> b.policy(sreOnly));
    Instant start = f.clock.instant().plus(Duration.ofHours(1));
    Grant grant = ((RequestOutcome.Granted) f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(30))
        .groups(Set.of("sre")).startAt(start).build())).grant();

    f.clock.set(start);

    await().until(() -> f.jit.isAllowed(ALICE, ORDERS, "read"));
    assertThat(f.jit.grant(grant.id()).orElseThrow().state()).isEqualTo(GrantState.ACTIVE);
  }

  @Test
  void theFirstDeniedEventCarriesNoSuppressedCount() {
    EngineFixture f = fixtures.create(b -> b.deniedEventsPerMinute(1));

    f.jit.check(ALICE, ORDERS, "read");

    assertThat(f.events(AuditEventType.ACCESS_DENIED)).singleElement()
        .satisfies(e -> assertThat(e.details()).doesNotContainKey("suppressed"));
  }
}
