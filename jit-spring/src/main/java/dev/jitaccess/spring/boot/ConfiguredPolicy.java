package dev.jitaccess.spring.boot;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Subject;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.policy.RulePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the policy declared under {@code jit.access.policy}. */
final class ConfiguredPolicy {

  /** The policy of an application that declared no rules: it applies to nothing, so the engine denies all. */
  static final AccessPolicy NO_RULES = new AccessPolicy() {
    @Override
    public PolicyDecision evaluate(AccessRequest request) {
      return PolicyDecision.notApplicable();
    }

    @Override
    public String toString() {
      return "no policy rules (jit.access.policy.rules is empty)";
    }
  };

  private ConfiguredPolicy() {}

  /**
   * The rule policy of {@code policy}, or {@link #NO_RULES}.
   *
   * @throws IllegalStateException naming the property when a rule is invalid
   */
  static AccessPolicy from(JitAccessProperties.Policy policy) {
    List<JitAccessProperties.Rule> rules = policy.getRules();
    if (rules == null || rules.isEmpty()) {
      return NO_RULES;
    }
    RulePolicy.Builder builder = RulePolicy.builder();
    for (int i = 0; i < rules.size(); i++) {
      JitAccessProperties.Rule rule = rules.get(i);
      try {
        builder.rule(toRule(rule));
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw new IllegalStateException("Invalid jit.access.policy.rules[" + i + "]"
            + (rule.getName() == null ? "" : " (" + rule.getName() + ")") + ": " + e.getMessage(), e);
      }
    }
    return builder.build();
  }

  static AccessRule toRule(JitAccessProperties.Rule rule) {
    if (rule.getName() == null || rule.getName().isBlank()) {
      throw new IllegalArgumentException("name is required");
    }
    AccessRule.Builder b = AccessRule.builder(rule.getName());
    if (!isEmpty(rule.getResources())) {
      b.resources(rule.getResources());
    }
    if (!isEmpty(rule.getActions())) {
      b.actions(rule.getActions());
    }
    if (!isEmpty(rule.getRequesters())) {
      b.requesters(subjects(rule.getRequesters()));
    }
    if (!isEmpty(rule.getRequesterGroups())) {
      b.requesterGroups(rule.getRequesterGroups());
    }
    if (!isEmpty(rule.getRequesterKinds())) {
      b.requesterKinds(rule.getRequesterKinds().toArray(Subject.Kind[]::new));
    }
    if (rule.getMaxDuration() != null) {
      b.maxDuration(rule.getMaxDuration());
    }
    if (rule.getMaxLifetime() != null) {
      b.maxLifetime(rule.getMaxLifetime());
    }
    if (rule.getJustificationRequired() != null) {
      b.justificationRequired(rule.getJustificationRequired());
    }
    if (rule.getJustificationPattern() != null) {
      b.justificationPattern(rule.getJustificationPattern());
    }
    if (rule.getApprovals() == 0) {
      b.autoApprove();
    } else {
      b.requireApprovals(rule.getApprovals());
    }
    if (!isEmpty(rule.getApprovers())) {
      b.approvers(subjects(rule.getApprovers()));
    }
    if (!isEmpty(rule.getApproverGroups())) {
      b.approverGroups(rule.getApproverGroups());
    }
    if (rule.getSelfApproval() != null) {
      b.selfApproval(rule.getSelfApproval());
    }
    if (rule.getReviewWindow() != null) {
      b.reviewWindow(rule.getReviewWindow());
    }
    if (rule.getBreakGlass().getMaxDuration() != null) {
      b.breakGlass(rule.getBreakGlass().getMaxDuration());
    }
    if (rule.getBreakGlass().getIncidentPattern() != null) {
      b.incidentPattern(rule.getBreakGlass().getIncidentPattern());
    }
    return b.build();
  }

  /** {@code user:alice}, {@code service:ci}, or {@code alice} (a user). */
  static Subject subject(String text) {
    String value = text.trim();
    int colon = value.indexOf(':');
    if (colon > 0) {
      String kind = value.substring(0, colon).toLowerCase(Locale.ROOT);
      String id = value.substring(colon + 1);
      if (kind.equals("user")) {
        return Subject.user(id);
      }
      if (kind.equals("service")) {
        return Subject.service(id);
      }
    }
    return Subject.user(value);
  }

  private static List<Subject> subjects(List<String> texts) {
    List<Subject> out = new ArrayList<>(texts.size());
    for (String text : texts) {
      out.add(subject(text));
    }
    return out;
  }

  private static boolean isEmpty(List<?> list) {
    return list == null || list.isEmpty();
  }
}
