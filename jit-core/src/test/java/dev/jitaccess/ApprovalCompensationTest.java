package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditException;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.ForwardingGrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import java.time.Duration;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Approval counting when something fails half-way: an approval whose grant could not be made does not count,
 * a request decided otherwise while it was being granted loses the grant, and every refusal changes nothing.
 */
class ApprovalCompensationTest {

  static final Subject CAROL = Subject.user("carol");
  static final Subject ERIN = Subject.user("erin");

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static AccessPolicy approvals(int n) {
    ApprovalRequirement requirement = new ApprovalRequirement(n, Set.of(BOB, CAROL), Set.of("dba"), false,
        Duration.ofMinutes(30));
    return r -> PolicyDecision.requireApprovals("r", r.duration(), requirement);
  }

  private static String pending(EngineFixture f) {
    return f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()).requestId();
  }

  @Test
  void whenTheGrantOfTheLastApprovalCannotBeAuditedTheApprovalIsTakenBackAndMayBeGivenAgain() {
    InMemoryAuditSink trail = new InMemoryAuditSink();
    boolean[] refuseGranted = {false};
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1)).auditSink(event -> {
      if (refuseGranted[0] && event.type() == AuditEventType.GRANTED) {
        throw new IllegalStateException("disk full");
      }
      trail.write(event);
    }));
    String requestId = pending(f);
    refuseGranted[0] = true;

    assertThatThrownBy(() -> f.jit.approve(requestId, BOB, "ok")).isInstanceOf(AuditException.class);

    RequestRecord record = f.store.findRequest(requestId).orElseThrow();
    assertThat(record.state()).isEqualTo(RequestState.PENDING);
    assertThat(record.approvals()).isEmpty();
    assertThat(f.store.findActive()).isEmpty();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();

    refuseGranted[0] = false;
    RequestOutcome again = f.jit.approve(requestId, BOB, "ok");

    assertThat(again).isInstanceOf(RequestOutcome.Granted.class);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.GRANTED);
  }

  @Test
  void aRequestRejectedWhileItsLastApprovalIsBeingGrantedLosesTheGrant() {
    String[] target = {null};
    InMemoryGrantStore backing = new InMemoryGrantStore();
    ForwardingGrantStore store = new ForwardingGrantStore(backing) {
      @Override
      public void save(Grant grant) {
        super.save(grant);
        if (grant.requestId().equals(target[0])) {
          // Another instance's approver says no between the grant and the request's update.
          RequestRecord current = backing.findRequest(target[0]).orElseThrow();
          backing.compareAndSetRequest(current.version(), current.ended(RequestState.REJECTED, "no"));
        }
      }
    };
    EngineFixture f = fixtures.create(store, b -> b.policy(approvals(1)));
    target[0] = pending(f);

    assertThatThrownBy(() -> f.jit.approve(target[0], BOB, "ok"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no longer pending");

    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    Grant lost = backing.findById(f.events(AuditEventType.GRANTED).get(0).grantId()).orElseThrow();
    assertThat(lost.state()).isEqualTo(GrantState.REVOKED);
    assertThat(lost.endReason()).contains("decided otherwise");
    assertThat(f.terminalEvents(lost.id())).isEqualTo(1);
    assertThat(backing.findRequest(target[0]).orElseThrow().state()).isEqualTo(RequestState.REJECTED);
  }

  @Test
  void anApprovalJustBeforeTheReviewDeadlineCountsAndOneAtTheDeadlineEndsTheRequest() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(2)));
    String requestId = pending(f);
    RequestRecord record = f.store.findRequest(requestId).orElseThrow();

    f.clock.set(record.reviewDeadline().minusMillis(1));
    assertThat(f.jit.approve(requestId, BOB, "ok")).isEqualTo(new RequestOutcome.Pending(requestId, 1));
    f.clock.set(record.reviewDeadline());

    assertThatThrownBy(() -> f.jit.approve(requestId, CAROL, "ok"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("no longer pending");
    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.EXPIRED);
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
    await().until(() -> f.audit.events(AuditEventType.EXPIRED).size() == 1);
    assertThat(f.audit.events(AuditEventType.EXPIRED)).singleElement().satisfies(e -> {
      assertThat(e.requestId()).isEqualTo(requestId);
      assertThat(e.details()).containsEntry("approvals", "1/2")
          .containsEntry("reviewDeadline", record.reviewDeadline().toString());
    });
  }

  @Test
  void theTrailCountsEachApprovalAgainstWhatIsNeeded() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(2)));
    String requestId = pending(f);

    f.jit.approve(requestId, BOB, "ok");
    f.jit.approve(requestId, BOB, "ok again");
    f.jit.approve(requestId, CAROL, "ok");

    assertThat(f.events(AuditEventType.APPROVED)).extracting(AuditEvent::actor, e -> e.details().get("approvals"))
        .containsExactly(Tuple.tuple(BOB, "1/2"),
            Tuple.tuple(CAROL, "2/2"));
    assertThat(f.events(AuditEventType.APPROVED)).allSatisfy(e -> {
      assertThat(e.subject()).isEqualTo(ALICE);
      assertThat(e.resource()).isEqualTo(ORDERS);
    });
  }

  @Test
  void anApproverDirectoryThatFailsOrAnswersNothingMakesNobodyAGroupMember() {
    EngineFixture failing = fixtures.create(b -> b.policy(approvals(1)).approverDirectory(s -> {
      throw new IllegalStateException("ldap down");
    }));
    EngineFixture silent = fixtures.create(b -> b.policy(approvals(1)).approverDirectory(s -> null));

    for (EngineFixture f : new EngineFixture[] {failing, silent}) {
      String requestId = pending(f);
      assertThat(f.jit.pendingRequestsFor(ERIN)).isEmpty();
      assertThatThrownBy(() -> f.jit.approve(requestId, ERIN, "dba"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not eligible");
      assertThat(f.jit.pendingRequestsFor(BOB)).extracting(RequestRecord::id).containsExactly(requestId);
      assertThat(f.jit.approve(requestId, BOB, "ok")).isInstanceOf(RequestOutcome.Granted.class);
    }
  }

  @Test
  void theRequesterMayNotRejectItsOwnRequestEither() {
    EngineFixture f = fixtures.create(b -> b.policy(approvals(1))
        .approverDirectory(s -> Set.of("dba")));
    String requestId = pending(f);

    assertThatThrownBy(() -> f.jit.deny(requestId, ALICE, "never mind"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its own request");
    assertThat(f.jit.pendingRequestsFor(ALICE)).isEmpty();

    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.PENDING);
    assertThat(f.events(AuditEventType.REJECTED)).isEmpty();
  }
}
