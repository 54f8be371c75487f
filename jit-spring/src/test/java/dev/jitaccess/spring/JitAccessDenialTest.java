package dev.jitaccess.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Both denial exceptions check their arguments and describe the refusal the same way. */
class JitAccessDenialTest {

  private static final List<DenialExceptionFactory> BOTH =
      List.of(JitAccessDeniedException::new, JitAccessDeniedSecurityException.FACTORY);

  @Test
  void bothCarryTheDecisionAndDescribeItAlike() {
    AccessDecision no = AccessDecision.deny(AccessDecision.Code.NO_GRANT, "no active grant");
    for (DenialExceptionFactory factory : BOTH) {
      RuntimeException e = factory.create(no, "orders/7", "read");
      JitAccessDenial denial = JitAccessDenial.find(e).orElseThrow();
      assertThat(e).hasMessage("access denied: read on orders/7: no active grant");
      assertThat(denial.decision()).isSameAs(no);
      assertThat(denial.resource()).isEqualTo("orders/7");
      assertThat(denial.action()).isEqualTo("read");
      assertThat(factory.create(no, null, "read")).hasMessage("access denied: read on (no resource): no active grant");
    }
  }

  @Test
  void bothRefuseWhatIsNotADenial() {
    try (Fixture f = new Fixture()) {
      AccessDecision yes = AccessDecision.allow(f.grant(Fixture.ALICE, "orders/7", "read"));
      for (DenialExceptionFactory factory : BOTH) {
        assertThatThrownBy(() -> factory.create(yes, "orders/7", "read"))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("decision must be a denial");
        assertThatThrownBy(() -> factory.create(null, "orders/7", "read"))
            .isInstanceOf(NullPointerException.class).hasMessage("decision");
        assertThatThrownBy(() -> factory.create(AccessDecision.deny(AccessDecision.Code.NO_GRANT, "x"), "orders/7", null))
            .isInstanceOf(NullPointerException.class).hasMessage("action");
      }
    }
  }
}
