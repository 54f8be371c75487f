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
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A pending request can be withdrawn, and {@code acquire} leaves none behind. */
class CancelTest {

  private static final ApprovalRequirement BOB_APPROVES =
      new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private final List<RequestRecord> heard = new CopyOnWriteArrayList<>();

  private EngineFixture needingApproval() {
    return fixtures.create(b -> b.administrators(Set.of(ADMIN), Set.of())
        .policy(r -> PolicyDecision.requireApprovals("r", r.duration(), BOB_APPROVES))
        .listener(new JitAccessListener() {
          @Override
          public void onRequestCancelled(RequestRecord request) {
            heard.add(request);
          }
        }));
  }

  private static String pending(EngineFixture f, Subject subject) {
    return ((RequestOutcome.Pending) f.jit.request(request(subject, ORDERS, Duration.ofMinutes(5)).build()))
        .requestId();
  }

  @Test
  void theRequesterWithdrawsItsPendingRequestAuditedAndHeardAndNobodyCanApproveItAfterwards() {
    EngineFixture f = needingApproval();
    String requestId = pending(f, ALICE);

    assertThat(f.jit.cancel(requestId, ALICE)).isTrue();

    assertThat(f.jit.pendingRequests()).isEmpty();
    assertThat(f.store.findRequest(requestId).orElseThrow().state()).isEqualTo(RequestState.CANCELLED);
    List<AuditEvent> cancelled = f.events(AuditEventType.CANCELLED);
    assertThat(cancelled).singleElement().satisfies(e -> {
      assertThat(e.actor()).isEqualTo(ALICE);
      assertThat(e.subject()).isEqualTo(ALICE);
      assertThat(e.requestId()).isEqualTo(requestId);
    });
    // Listeners run on the manager's listener thread: the cancellation is heard soon after cancel returns.
    await().untilAsserted(() -> assertThat(heard).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(RequestState.CANCELLED)));
    assertThatThrownBy(() -> f.jit.approve(requestId, BOB, null)).isInstanceOf(IllegalStateException.class);
    assertThat(f.jit.cancel(requestId, ALICE)).as("ended already").isFalse();
    assertThat(f.events(AuditEventType.CANCELLED)).hasSize(1);
  }

  @Test
  void anAdministratorMayCancelSomeoneElsesRequestAndIsNamed() {
    EngineFixture f = needingApproval();
    String requestId = pending(f, ALICE);

    assertThat(f.jit.cancel(requestId, ADMIN)).isTrue();

    assertThat(f.events(AuditEventType.CANCELLED)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(ADMIN));
  }

  @Test
  void someoneElseMayNotCancelARequestNorAnUnknownOneBeCancelled() {
    EngineFixture f = needingApproval();
    String requestId = pending(f, ALICE);

    assertThatThrownBy(() -> f.jit.cancel(requestId, BOB))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actor");
    assertThat(f.jit.pendingRequests()).hasSize(1);
    assertThat(f.jit.cancel("no-such-request", ALICE)).isFalse();
    assertThat(f.events(AuditEventType.CANCELLED)).isEmpty();
  }

  @Test
  void aRequestApprovedBeforeAcquireCouldCancelItLeavesNoGrantBehind() {
    java.util.concurrent.atomic.AtomicReference<JitAccessManager> manager = new java.util.concurrent.atomic.AtomicReference<>();
    EngineFixture f = fixtures.create(b -> b
        .policy(r -> PolicyDecision.requireApprovals("r", r.duration(), BOB_APPROVES))
        .listener(new JitAccessListener() {
          @Override
          public void onPendingApproval(RequestRecord request) {
            manager.get().approve(request.id(), BOB, "at once"); // before acquire hears it is pending
          }
        }));
    manager.set(f.jit);

    assertThatThrownBy(() -> f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(AccessNotGrantedException.class);

    assertThat(f.jit.activeGrants(ALICE)).isEmpty();
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void acquireCancelsTheRequestItCouldNotTurnIntoAGrant() {
    EngineFixture f = needingApproval();

    assertThatThrownBy(() -> f.jit.acquire(request(ALICE, ORDERS, Duration.ofMinutes(5)).build()))
        .isInstanceOf(AccessNotGrantedException.class);

    assertThat(f.jit.pendingRequests()).as("no pending request is left behind").isEmpty();
    assertThat(f.events(AuditEventType.CANCELLED)).singleElement()
        .satisfies(e -> assertThat(e.actor()).isEqualTo(ALICE));
  }

  @Test
  void requestRecordFindsARequestInAnyStateAndReportsAClosedReviewWindowAsExpired() {
    EngineFixture f = needingApproval();
    String cancelled = pending(f, ALICE);
    String waiting = pending(f, ALICE);
    f.jit.cancel(cancelled, ALICE);

    assertThat(f.jit.requestRecord(cancelled)).hasValueSatisfying(
        r -> assertThat(r.state()).isEqualTo(RequestState.CANCELLED));
    assertThat(f.jit.requestRecord(waiting)).hasValueSatisfying(
        r -> assertThat(r.state()).isEqualTo(RequestState.PENDING));
    assertThat(f.jit.requestRecord("no-such-request")).isEmpty();

    f.clock.advance(Duration.ofHours(2));
    assertThat(f.jit.requestRecord(waiting)).hasValueSatisfying(
        r -> assertThat(r.state()).isEqualTo(RequestState.EXPIRED));
  }
}
