package dev.jitaccess;

import static dev.jitaccess.EngineFixture.ALICE;
import static dev.jitaccess.EngineFixture.ORDERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.ApprovalRequirement;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.GrantStore;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How far an extension goes: never beyond what the policy gave, never for a grant that ran out. */
class ExtensionBoundsTest {

  @RegisterExtension
  final EngineFixtures fixtures = new EngineFixtures();

  private static AccessPolicy extensions(ExtensionRule rule) {
    return new AccessPolicy() {
      @Override
      public PolicyDecision evaluate(AccessRequest request) {
        return PolicyDecision.allow("ops", request.duration());
      }

      @Override
      public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
        return rule.decide(extension);
      }
    };
  }

  interface ExtensionRule {
    PolicyDecision decide(Duration extension);
  }

  @Test
  void anExtensionLastsWhatThePolicyGaveWhenThatIsLessThanAsked() {
    EngineFixture f = fixtures.create(b -> b.policy(extensions(more -> PolicyDecision.allow("ops", more.dividedBy(2)))));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(10), "more");

    assertThat(extended.expiresAt()).isEqualTo(grant.expiresAt().plus(Duration.ofMinutes(5)));
    assertThat(f.eventsOf(grant.id(), AuditEventType.EXTENDED)).singleElement().satisfies(e -> assertThat(e.details())
        .containsEntry("previousExpiresAt", grant.expiresAt().toString())
        .containsEntry("expiresAt", extended.expiresAt().toString()));
    f.clock.set(extended.expiresAt().minusMillis(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    f.clock.set(extended.expiresAt());
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void anExtensionNeverLastsLongerThanAsked() {
    EngineFixture f = fixtures.create(b -> b.policy(extensions(more -> PolicyDecision.allow("ops", Duration.ofHours(8)))));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(1), "more");

    assertThat(extended.expiresAt()).isEqualTo(grant.expiresAt().plus(Duration.ofMinutes(1)));
  }

  static Stream<Arguments> refusals() {
    ApprovalRequirement requirement = new ApprovalRequirement(1, Set.of(EngineFixture.BOB), Set.of(), false,
        Duration.ofMinutes(30));
    return Stream.of(
        Arguments.of("a failing policy", (ExtensionRule) more -> {
          throw new IllegalStateException("rules unavailable");
        }, "the policy failed: IllegalStateException"),
        Arguments.of("a policy asking for approvals",
            (ExtensionRule) more -> PolicyDecision.requireApprovals("ops", more, requirement),
            "no policy rule allows extending grants of rule ops"),
        Arguments.of("a policy without opinion", (ExtensionRule) more -> PolicyDecision.notApplicable(),
            "no policy rule allows extending grants of rule ops"),
        Arguments.of("a policy saying no", (ExtensionRule) more -> PolicyDecision.deny("change freeze"),
            "change freeze"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aRefusedExtensionSaysWhyAndChangesNothing(String name, ExtensionRule rule, String reason) {
    EngineFixture f = fixtures.create(b -> b.policy(extensions(rule)));
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(5), "more"))
        .isInstanceOf(ExtensionDeniedException.class).hasMessage(reason);

    assertThat(f.jit.grant(grant.id()).orElseThrow()).isEqualTo(grant);
    assertThat(f.events(AuditEventType.EXTENDED)).isEmpty();
    f.clock.set(grant.expiresAt());
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void aGrantThatRanOutCannotBeExtendedEvenWhenItsExpiryCouldNotBeStored() {
    GrantStore store = EngineFixture.storeUnableToRecordExpiry();
    EngineFixture f = fixtures.create(store, b -> {});
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.set(grant.expiresAt());

    assertThatThrownBy(() -> f.jit.extend(grant.id(), Duration.ofMinutes(5), "more"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("ran out at " + grant.expiresAt());
    assertThat(store.findById(grant.id()).orElseThrow().expiresAt()).isEqualTo(grant.expiresAt());
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isFalse();
  }

  @Test
  void aGrantCanBeExtendedUpToItsLastMillisecond() {
    EngineFixture f = fixtures.create();
    Grant grant = f.grant(ALICE, ORDERS, Duration.ofMinutes(10));

    f.clock.set(grant.expiresAt().minusMillis(1));
    Grant extended = f.jit.extend(grant.id(), Duration.ofMinutes(5), "more");

    f.clock.set(grant.expiresAt().plusSeconds(1));
    assertThat(f.jit.isAllowed(ALICE, ORDERS, "read")).isTrue();
    assertThat(f.jit.grant(grant.id()).orElseThrow().expiresAt()).isEqualTo(extended.expiresAt());
  }
}
