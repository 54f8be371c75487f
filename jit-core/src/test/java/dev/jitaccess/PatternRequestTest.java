package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A request for a pattern, end to end: it never yields a grant that opens a resource a stricter rule guards. */
class PatternRequestTest {

  private static final RulePolicy POLICY = RulePolicy.builder()
      .rule(AccessRule.builder("payments").resources("prod/db/payments").actions("read", "write")
          .maxDuration(Duration.ofHours(1)).requireApprovals(2).approverGroups("dba").build())
      .rule(AccessRule.builder("broad").resources("prod/db/**").actions("read", "write").requesterGroups("sre")
          .maxDuration(Duration.ofHours(1)).autoApprove().build())
      .build();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"prod/db/*", "prod/db/**"})
  void aPatternReachingAResourceOfAStricterRuleIsDeniedAndOpensNothing(String pattern) {
    try (EngineFixture f = new EngineFixture(b -> b.policy(POLICY))) {
      RequestOutcome outcome = f.jit.request(EngineFixture.request(ALICE, pattern, Duration.ofMinutes(30))
          .groups(Set.of("sre")).build());

      assertThat(outcome).isInstanceOf(RequestOutcome.Denied.class);
      assertThat(((RequestOutcome.Denied) outcome).reason()).contains("rule payments");
      assertThat(f.jit.isAllowed(ALICE, "prod/db/payments", "read")).isFalse();
      assertThat(f.jit.isAllowed(ALICE, "prod/db/orders", "read")).isFalse();
    }
  }
}
