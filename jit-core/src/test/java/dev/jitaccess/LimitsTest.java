package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ADMIN;
import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.BOB;
import static dev.jitaccess.EngineFixture.ORDERS;
import static dev.jitaccess.EngineFixture.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Denial-of-service bounds: one subject cannot make the engine hold without limit. */
class LimitsTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  @Test
  void grantsPerSubjectAreBoundedAndFreedWhenGrantsEnd() {
    EngineFixture f = fixtures.create(b -> b.maxActiveGrantsPerSubject(3));
    Grant first = f.grant(ALICE, "prod/a", Duration.ofMinutes(5));
    f.grant(ALICE, "prod/b", Duration.ofMinutes(5));
    f.grant(ALICE, "prod/c", Duration.ofMinutes(5));

    RequestOutcome fourth = f.jit.request(request(ALICE, "prod/d", Duration.ofMinutes(5)).build());

    assertThat(fourth).isInstanceOfSatisfying(RequestOutcome.Denied.class,
        d -> assertThat(d.reason()).contains("too many active grants"));
    assertThat(f.jit.request(request(BOB, "prod/d", Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Granted.class);
    f.jit.release(first.id());
    assertThat(f.jit.request(request(ALICE, "prod/d", Duration.ofMinutes(5)).build()))
        .isInstanceOf(RequestOutcome.Granted.class);
  }

  @Test
  void pendingRequestsPerSubjectAreBounded() {
    ApprovalRequirement requirement = new ApprovalRequirement(1, Set.of(BOB), Set.of(), false, Duration.ofHours(1));
    EngineFixture f = fixtures.create(b -> b.maxPendingRequestsPerSubject(2)
        .policy(r -> PolicyDecision.requireApprovals("r", r.duration(), requirement)));
    f.jit.request(request(ALICE, "prod/a", Duration.ofMinutes(5)).build());
    f.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build());

    assertThat(f.jit.request(request(ALICE, "prod/c", Duration.ofMinutes(5)).build()))
        .isInstanceOfSatisfying(RequestOutcome.Denied.class,
            d -> assertThat(d.reason()).contains("too many pending requests"));
    assertThat(f.jit.pendingRequests()).hasSize(2);
    assertThat(f.jit.request(request(ADMIN, "prod/c", Duration.ofMinutes(5)).build()))
        .as("another subject's pending requests do not count against this one's")
        .isInstanceOf(RequestOutcome.Pending.class);
  }

  @Test
  void aLimitRefusalIsMarkedAsSuchAndAPolicyReasonThatReadsLikeOneIsNot() {
    EngineFixture limited = fixtures.create(b -> b.maxActiveGrantsPerSubject(1));
    limited.grant(ALICE, "prod/a", Duration.ofMinutes(5));
    assertThat(limited.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
        .isInstanceOfSatisfying(RequestOutcome.Denied.class, d -> assertThat(d.limitReached()).isTrue());

    EngineFixture policy = fixtures.create(b -> b.policy(r -> PolicyDecision.deny("too many requests today")));
    assertThat(policy.jit.request(request(ALICE, "prod/b", Duration.ofMinutes(5)).build()))
        .isInstanceOfSatisfying(RequestOutcome.Denied.class, d -> assertThat(d.limitReached()).isFalse());
  }

  @Test
  void justificationLengthAndActionsPerRequestAreConfigurableWithinHardCaps() {
    EngineFixture f = fixtures.create(b -> b.maxJustificationLength(20).maxActionsPerRequest(2));

    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5))
        .justification("x".repeat(21)).build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("justification");
    assertThatThrownBy(() -> f.jit.request(request(ALICE, ORDERS, Duration.ofMinutes(5), "read", "write", "admin")
        .build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("actions");
    assertThat(f.audit.events()).isEmpty();

    JitAccessManager.Builder builder = JitAccessManager.builder();
    assertThatThrownBy(() -> builder.maxJustificationLength(1025)).hasMessageStartingWith("maxJustificationLength");
    assertThatThrownBy(() -> builder.maxActionsPerRequest(17)).hasMessageStartingWith("maxActionsPerRequest");
    assertThatThrownBy(() -> builder.maxActiveGrantsPerSubject(0)).hasMessageStartingWith("maxActiveGrantsPerSubject");
    assertThatThrownBy(() -> builder.maxPendingRequestsPerSubject(0))
        .hasMessageStartingWith("maxPendingRequestsPerSubject");
  }
}
