package dev.jitaccess.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The README's quickstart, as written there, so the README cannot drift from the API. */
class ReadmeQuickstartTest {

  @Test
  void quickstartGrantsChecksAndReleases() {
    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("prod-db")
            .resources("prod/db/**")
            .actions("read", "write")
            .requesterGroups("sre")
            .maxDuration(Duration.ofMinutes(30))
            .maxLifetime(Duration.ofHours(2))          // extensions included
            .justificationPattern("^(INC|CHG)-\\d+")    // a ticket or incident id
            .autoApprove()
            .build())
        .build();

    try (JitAccessManager jit = JitAccessManager.builder().policy(policy).build()) {
      Subject alice = Subject.user("alice");
      RequestOutcome outcome = jit.request(AccessRequest.builder()
          .subject(alice)
          .groups(Set.of("sre"))
          .resource("prod/db/orders")
          .actions("read")
          .duration(Duration.ofMinutes(30))
          .justification("INC-1234: slow query on orders")
          .build());

      assertThat(outcome).isInstanceOf(RequestOutcome.Granted.class);
      RequestOutcome.Granted granted = (RequestOutcome.Granted) outcome;
      assertThat(jit.isAllowed(alice, "prod/db/orders", "read")).isTrue();
      assertThat(jit.release(granted.grant().id())).isTrue();
      assertThat(jit.isAllowed(alice, "prod/db/orders", "read")).isFalse();
    }
  }

  @Test
  void theExampleProgramRunsToTheEnd() throws Exception {
    OnDemandProductionAccess.main(new String[0]);
  }
}
