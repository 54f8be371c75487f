package dev.jitaccess.policy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** Composition: the first policy with an opinion decides. Immutable, so thread-safe if its parts are. */
final class FirstApplicablePolicy implements AccessPolicy {

  private final List<AccessPolicy> policies;

  FirstApplicablePolicy(AccessPolicy... policies) {
    Validate.notNull("policies", policies);
    Validate.requireArgument(policies.length > 0, "policies", 0, "must name at least one policy");
    for (AccessPolicy p : policies) {
      Validate.notNull("policy", p);
    }
    this.policies = List.of(policies);
  }

  @Override
  public PolicyDecision evaluate(AccessRequest request) {
    return first(p -> p.evaluate(request));
  }

  @Override
  public PolicyDecision evaluateExtension(Grant grant, Duration extension, String justification) {
    return first(p -> p.evaluateExtension(grant, extension, justification));
  }

  /** Every part's answer, in order: a part earlier in the list decides first, so its offers come first. */
  @Override
  public List<RequestableAccess> requestable(Subject subject, Set<String> groups) {
    List<RequestableAccess> all = new ArrayList<>();
    for (AccessPolicy policy : policies) {
      all.addAll(policy.requestable(subject, groups));
    }
    return List.copyOf(all);
  }

  private PolicyDecision first(Function<AccessPolicy, PolicyDecision> ask) {
    for (AccessPolicy policy : policies) {
      PolicyDecision decision = ask.apply(policy);
      if (!(decision instanceof PolicyDecision.NotApplicable)) {
        return decision;
      }
    }
    return PolicyDecision.notApplicable();
  }
}
