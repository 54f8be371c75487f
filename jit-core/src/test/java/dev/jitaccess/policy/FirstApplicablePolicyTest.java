package dev.jitaccess.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.Subject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FirstApplicablePolicyTest {

  private static final Duration HOUR = Duration.ofHours(1);
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final AccessRequest REQUEST = AccessRequest.builder().subject(Subject.user("alice"))
      .resource("prod/db/orders").actions("read").duration(Duration.ofMinutes(30)).build();

  private static final AccessPolicy NOT_APPLICABLE = request -> PolicyDecision.notApplicable();
  private static final AccessPolicy DENY = request -> PolicyDecision.deny("no");
  private static final AccessPolicy ALLOW = request -> PolicyDecision.allow("yes", request.duration());

  /** A policy that answers {@code decision} to requests and extensions and records that it was asked. */
  private static AccessPolicy recording(List<String> calls, String name, PolicyDecision decision) {
    return new AccessPolicy() {
      @Override
      public PolicyDecision evaluate(AccessRequest request) {
        calls.add(name);
        return decision;
      }

      @Override
      public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
        calls.add(name);
        return decision;
      }
    };
  }

  private static RulePolicy rules(String name, String resources) {
    return RulePolicy.builder().rule(AccessRule.builder(name).resources(resources).actions("read")
        .maxDuration(HOUR).maxLifetime(Duration.ofHours(4)).autoApprove().build()).build();
  }

  private static Grant grant(String rule) {
    return new Grant("g-1", "r-1", Subject.user("alice"), "prod/db/orders", Set.of("read"), T0, T0.plus(HOUR),
        GrantState.ACTIVE, null, null, List.of(), false, rule, 0, null, null);
  }

  @Test
  void evaluateWhenFirstPoliciesNotApplicableThenFirstOtherDecisionDecides() {
    AccessPolicy policy = AccessPolicy.firstApplicable(NOT_APPLICABLE, DENY, ALLOW);

    assertThat(policy.evaluate(REQUEST)).isEqualTo(PolicyDecision.deny("no"));
  }

  @Test
  void evaluateWhenAllNotApplicableThenNotApplicable() {
    AccessPolicy policy = AccessPolicy.firstApplicable(NOT_APPLICABLE, NOT_APPLICABLE);

    assertThat(policy.evaluate(REQUEST)).isEqualTo(PolicyDecision.notApplicable());
  }

  @Test
  void evaluateWhenOrderChangesThenDecisionChanges() {
    assertThat(AccessPolicy.firstApplicable(ALLOW, DENY).evaluate(REQUEST)).isInstanceOf(PolicyDecision.Allow.class);
    assertThat(AccessPolicy.firstApplicable(DENY, ALLOW).evaluate(REQUEST)).isInstanceOf(PolicyDecision.Deny.class);
  }

  @Test
  void evaluateWhenAPolicyDecidesThenLaterPoliciesAreNotAsked() {
    List<String> calls = new ArrayList<>();
    AccessPolicy policy = AccessPolicy.firstApplicable(
        recording(calls, "a", PolicyDecision.notApplicable()),
        recording(calls, "b", PolicyDecision.deny("b says no")),
        recording(calls, "c", PolicyDecision.allow("c", HOUR)));

    policy.evaluate(REQUEST);

    assertThat(calls).containsExactly("a", "b");
  }

  @Test
  void evaluateWhenFirstRulePolicyHasNoMatchingRuleThenNextRulePolicyDecides() {
    AccessPolicy policy = AccessPolicy.firstApplicable(rules("queues", "prod/queue/**"), rules("db", "prod/db/**"));

    assertThat(policy.evaluate(REQUEST)).isEqualTo(PolicyDecision.allow("db", Duration.ofMinutes(30)));
  }

  @Test
  void evaluateWhenAPolicyThrowsThenTheExceptionReachesTheCallerWhichDenies() {
    AccessPolicy policy = AccessPolicy.firstApplicable(request -> {
      throw new IllegalStateException("broken");
    }, ALLOW);

    assertThatThrownBy(() -> policy.evaluate(REQUEST)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void evaluateExtensionWhenFirstNotApplicableThenNextDecides() {
    List<String> calls = new ArrayList<>();
    AccessPolicy policy = AccessPolicy.firstApplicable(
        recording(calls, "a", PolicyDecision.notApplicable()),
        recording(calls, "b", PolicyDecision.allow("b", HOUR)),
        recording(calls, "c", PolicyDecision.deny("c says no")));

    assertThat(policy.evaluateExtension(grant("b"), HOUR, null)).isEqualTo(PolicyDecision.allow("b", HOUR));
    assertThat(calls).containsExactly("a", "b");
  }

  @Test
  void evaluateExtensionWhenAllNotApplicableThenNotApplicable() {
    AccessPolicy policy = AccessPolicy.firstApplicable(
        recording(new ArrayList<>(), "a", PolicyDecision.notApplicable()));

    assertThat(policy.evaluateExtension(grant("a"), HOUR, null)).isEqualTo(PolicyDecision.notApplicable());
  }

  @Test
  void evaluateExtensionWhenGrantsRuleIsInASecondRulePolicyThenThatPolicyJudgesIt() {
    AccessPolicy policy = AccessPolicy.firstApplicable(rules("queues", "prod/queue/**"), rules("db", "prod/db/**"));

    assertThat(policy.evaluateExtension(grant("db"), HOUR, null)).isInstanceOf(PolicyDecision.Allow.class);
  }

  @Test
  void evaluateExtensionWhenLambdaPolicyComesFirstThenItsDefaultPassesToTheNext() {
    AccessPolicy policy = AccessPolicy.firstApplicable(NOT_APPLICABLE, rules("db", "prod/db/**"));

    assertThat(policy.evaluateExtension(grant("db"), HOUR, null)).isInstanceOf(PolicyDecision.Allow.class);
  }

  @Test
  void firstApplicableWhenNoPoliciesOrNullPolicyThenRejectedNamingField() {
    assertThatThrownBy(AccessPolicy::firstApplicable).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("policies");
    assertThatThrownBy(() -> AccessPolicy.firstApplicable((AccessPolicy[]) null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("policies");
    assertThatThrownBy(() -> AccessPolicy.firstApplicable(ALLOW, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("policy");
  }

  @Test
  void firstApplicableIsNotChangedByLaterChangesToTheArrayGiven() {
    AccessPolicy[] policies = {ALLOW};
    AccessPolicy policy = AccessPolicy.firstApplicable(policies);

    policies[0] = DENY;

    assertThat(policy.evaluate(REQUEST)).isInstanceOf(PolicyDecision.Allow.class);
  }
}
