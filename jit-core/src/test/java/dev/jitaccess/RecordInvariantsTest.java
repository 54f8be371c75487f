package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.policy.ApprovalRequirement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The invariants of the stored request and review records, which every {@code GrantStore} relies on, and the
 * approval arithmetic the engine reads from them.
 */
class RecordInvariantsTest {

  static final Subject CAROL = Subject.user("carol");
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final ApprovalRequirement TWO = new ApprovalRequirement(2, Set.of(BOB, CAROL), Set.of(), false,
      Duration.ofMinutes(30));
  static final AccessRequest ASKED = request(ALICE, ORDERS, Duration.ofMinutes(5)).build();

  private static RequestRecord pending(ApprovalRequirement requirement) {
    return new RequestRecord("r-1", ASKED, "rule", Duration.ofMinutes(5), requirement, List.of(), NOW,
        requirement == null ? null : NOW.plus(requirement.reviewWindow()), RequestState.PENDING, null, null, 0);
  }

  private static Approval by(Subject approver) {
    return new Approval(approver, NOW, null);
  }

  @Test
  void approvalsNeededCountsDownToZeroAndNeverBelow() {
    RequestRecord none = pending(TWO);
    RequestRecord one = none.withApproval(by(BOB));
    RequestRecord two = one.withApproval(by(CAROL));
    RequestRecord three = two.withApproval(by(ALICE));

    assertThat(List.of(none, one, two, three)).extracting(RequestRecord::approvalsNeeded).containsExactly(2, 1, 0, 0);
    assertThat(pending(null).approvalsNeeded()).isZero();
    assertThat(List.of(none, one, two)).extracting(RequestRecord::version).containsExactly(0L, 1L, 2L);
  }

  @Test
  void isApprovedByNamesThePersonWhoApprovedAsTheKeyTellsIt() {
    RequestRecord one = pending(TWO).withApproval(by(BOB));
    PersonKey exact = Subject::toString;

    assertThat(one.isApprovedBy(BOB, PersonKey.standard())).isTrue();
    assertThat(one.isApprovedBy(CAROL, PersonKey.standard())).isFalse();
    assertThat(one.isApprovedBy(Subject.service("BOB"), PersonKey.standard())).isTrue();
    assertThat(one.isApprovedBy(BOB, exact)).isTrue();
    assertThat(one.isApprovedBy(Subject.service("bob"), exact)).isFalse();
  }

  @Test
  void takingBackTheLastApprovalLeavesTheOthersAndAPendingRequest() {
    RequestRecord two = pending(TWO).withApproval(by(BOB)).withApproval(by(CAROL));

    RequestRecord back = two.withoutLastApproval();

    assertThat(back.approvals()).extracting(Approval::approver).containsExactly(BOB);
    assertThat(back.state()).isEqualTo(RequestState.PENDING);
    assertThat(back.grantId()).isNull();
    assertThat(back.version()).isEqualTo(two.version() + 1);
  }

  @Test
  void aGrantedRequestNamesItsGrantAndAnEndedOneItsReason() {
    RequestRecord granted = pending(TWO).granted("g-1");
    RequestRecord rejected = pending(TWO).ended(RequestState.REJECTED, "not now");

    assertThat(granted.state()).isEqualTo(RequestState.GRANTED);
    assertThat(granted.grantId()).isEqualTo("g-1");
    assertThat(rejected.endReason()).isEqualTo("not now");
    assertThat(rejected.version()).isEqualTo(1);
    assertThatThrownBy(() -> new RequestRecord("r-1", ASKED, "rule", Duration.ofMinutes(5), TWO, List.of(), NOW,
        NOW.plusSeconds(60), RequestState.GRANTED, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("grantId");
  }

  @Test
  void aReviewDeadlineGoesWithApprovalsAndVersionsAreNeverNegative() {
    assertThatThrownBy(() -> new RequestRecord("r-1", ASKED, "rule", Duration.ofMinutes(5), TWO, List.of(), NOW,
        null, RequestState.PENDING, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("reviewDeadline");
    assertThatThrownBy(() -> new RequestRecord("r-1", ASKED, "rule", Duration.ofMinutes(5), null, List.of(), NOW,
        NOW, RequestState.PENDING, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("reviewDeadline");
    assertThatThrownBy(() -> new RequestRecord("r-1", ASKED, "rule", Duration.ofMinutes(5), null, List.of(), NOW,
        null, RequestState.PENDING, null, null, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("version");
  }

  @Test
  void aReviewIsAcknowledgedBySomeoneAtSomeTimeOrNotAtAll() {
    try (EngineFixture f = new EngineFixture()) {
      f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5)).breakGlass(true).reference("INC-1").build());
      BreakGlassReview open = f.jit.breakGlassReviews().get(0);
      Grant grant = open.grant();

      BreakGlassReview done = open.acknowledged(BOB, NOW.plusSeconds(5), "fine");

      assertThat(open.isAcknowledged()).isFalse();
      assertThat(done.isAcknowledged()).isTrue();
      assertThat(done.reviewer()).isEqualTo(BOB);
      assertThat(done.reviewedAt()).isEqualTo(NOW.plusSeconds(5));
      assertThat(done.comment()).isEqualTo("fine");
      assertThat(done.version()).isEqualTo(open.version() + 1);
      assertThat(done.grantId()).isEqualTo(grant.id());
      assertThatThrownBy(() -> new BreakGlassReview(grant, "INC-1", BOB, null, null, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("reviewedAt");
      assertThatThrownBy(() -> new BreakGlassReview(grant, "INC-1", null, NOW, null, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("reviewedAt");
      assertThatCode(() -> new BreakGlassReview(grant, "INC-1", BOB, NOW, null, 3)).doesNotThrowAnyException();
    }
  }
}
