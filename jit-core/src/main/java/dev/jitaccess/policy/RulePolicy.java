package dev.jitaccess.policy;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.ResourcePattern;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The built-in policy: an ordered list of {@link AccessRule}s over resource patterns.
 *
 * <pre>{@code
 * RulePolicy policy = RulePolicy.builder()
 *     .rule(AccessRule.builder("orders-db-read")
 *         .resources("prod/db/orders", "prod/db/**")
 *         .actions("read")
 *         .requesterGroups("sre", "dba")
 *         .maxDuration(Duration.ofHours(1))
 *         .maxLifetime(Duration.ofHours(4))
 *         .justificationPattern("^(INC|CHG)-\\d+")
 *         .autoApprove()
 *         .build())
 *     .rule(AccessRule.builder("orders-db-write")
 *         .resources("prod/db/orders")
 *         .actions("write")
 *         .requesterGroups("dba")
 *         .maxDuration(Duration.ofMinutes(30))
 *         .justificationPattern("^CHG-\\d+")
 *         .requireApprovals(2)                   // two distinct approvers
 *         .approverGroups("dba-leads")           // from this group (as the application tells the engine)
 *         .reviewWindow(Duration.ofMinutes(30))  // the request expires when unanswered by then
 *         .breakGlass(Duration.ofMinutes(15))    // emergencies: no approver, no ticket, 15 min at most
 *         .incidentPattern("^INC-\\d+$")         // and an incident id such as INC-1234
 *         .build())
 *     .build();
 * }</pre>
 *
 * <h2>Which rule decides a request</h2>
 * The first rule, in the order added, that a request <em>touches</em> decides it, whether it allows or denies;
 * later rules are not consulted. A request touches a rule when one of the rule's resource patterns shares a
 * name with the requested resource ({@link ResourcePattern#intersects}) and one of the requested actions is
 * the rule's. A request for a pattern (a subtree) is therefore decided by the first rule that guards any name
 * in it: a rule for {@code prod/db/payments} listed before one for {@code prod/db/**} decides a request for
 * {@code prod/db/*}, and denies it, since it does not cover the whole request. So a grant never reaches a
 * (resource, action) whose own request a stricter, earlier rule would decide. The deciding rule covers a
 * request when one of its patterns {@link ResourcePattern#covers covers} the requested resource (for a
 * concrete name: matches it) and it allows every requested action; else it denies, naming itself. Covering is
 * judged pattern by pattern and soundly, so a request that only several of the rule's patterns together cover
 * is denied too: ask for less. A request none of whose actions a rule allows does not touch it, so rules for
 * different actions on the same resources may follow each other ({@code orders-db-read} and
 * {@code orders-db-write} above).
 * When no rule is touched, {@link #evaluate} answers {@link PolicyDecision#notApplicable()}: alone, the engine
 * denies with "no rule matches"; in a {@link AccessPolicy#firstApplicable composition} the next policy decides.
 * That is consistent with deciding by intersection: a policy that is not applicable to a request touches none
 * of the (resource, action) pairs in it, so the next policy would decide each of them asked alone as well.
 *
 * <h2>What the deciding rule checks, in this order</h2>
 * <ol>
 *   <li>the requester is eligible ({@link AccessRule} explains subjects, groups and kinds), else
 *       "not eligible for rule X": a rule a request touches refuses a requester it does not admit, and the
 *       request is not passed on to a later rule that would;
 *   <li>a break-glass request is denied when the rule does not allow break-glass;
 *   <li>the rule covers the requested resource, else a deny naming the rule;
 *   <li>every requested action is one of the rule's actions, else a deny naming the others;
 *   <li>the requested duration is at most {@code maxDuration}, else a deny naming both durations; a request is
 *       never silently shortened;
 *   <li>the justification is present (non-blank) when required and contains the rule's pattern when it has
 *       one, else a deny saying what is expected.
 * </ol>
 * (A break-glass request on a rule that allows it skips steps 5 and 6 for its own checks: see below.)
 * Then the answer depends on the rule's approval mode:
 * <ul>
 *   <li>auto-approve: {@code Allow(ruleName, request.duration())};
 *   <li>approvals: {@code RequireApprovals(ruleName, request.duration(), requirement)}, with the one
 *       {@link ApprovalRequirement} the rule built. The engine then enforces it: who is eligible to approve,
 *       distinct approvals, self-approval, the review window. One case is denied here instead, since it could
 *       never be approved: the rule has no approver groups, excludes self-approval, the requester is one of
 *       its listed approvers, and the others are fewer than the approvals needed.
 * </ul>
 * A scheduled start ({@code startAt}) is the engine's business and is ignored here. Deny reasons are short,
 * human-readable, and never repeat the justification or the incident id.
 *
 * <h2>Break-glass requests</h2>
 * A request with {@link AccessRequest#breakGlass()} is emergency access. On a rule that allows it
 * ({@link AccessRule.Builder#breakGlass(Duration)}) it is checked in this order: the requester is eligible and
 * the actions are allowed, as above; the request names an incident id ({@link AccessRequest#reference()}),
 * which contains the rule's incident pattern when it has one; the duration is at most the rule's break-glass
 * max duration (the normal {@code maxDuration} does not apply; a longer request is denied naming both, never
 * shortened); a justification is present when the rule requires one, but the justification pattern (a ticket
 * reference) does not apply, as break-glass is access without a ticket. Then the answer is
 * {@code Allow(ruleName, request.duration())}, on a rule that requires approvals too: break-glass needs no
 * approver. Its accountability is the audit trail and the review after the incident, which are the engine's.
 *
 * <h2>Extensions</h2>
 * {@link #evaluateExtension} is judged by the rule named on the grant ({@link Grant#rule()}), not by matching
 * again, so the rule that allowed a grant bounds its life. When this policy has no rule of that name (the
 * grant came from another policy of a composition, or the rule was removed) it is not applicable, which alone
 * the engine treats as a refusal. It denies a break-glass grant, whatever the rule: break-glass access is short
 * by design, and more time means a new request. It denies when the rule no longer
 * covers the grant's resource or actions; when the holder is no longer eligible
 * as far as the grant can tell (its kind, and being listed when the rule admits listed subjects only: groups
 * are not recorded on a grant, so a rule that admits groups checks nothing more); when the justification of
 * the extension does not satisfy the rule; and when the extension would take the grant's total lifetime,
 * {@code expiresAt - notBefore} plus the extension, beyond {@code maxLifetime}, naming what is left rather
 * than shortening the extension. Otherwise it allows the whole extension, also for a grant that needed
 * approvals: its {@code maxLifetime} is what bounds it.
 *
 * <p>Immutable and thread-safe: the policy and its rules hold no mutable state.
 */
public final class RulePolicy implements AccessPolicy {

  /** A rule's allowed actions are listed in a deny reason only if this short, to keep reasons short. */
  private static final int MAX_SHOWN_ACTIONS_CHARS = 200;

  private final List<AccessRule> rules;
  private final Map<String, AccessRule> byName;

  private RulePolicy(List<AccessRule> rules) {
    this.rules = List.copyOf(rules);
    Map<String, AccessRule> map = new LinkedHashMap<>();
    for (AccessRule r : rules) {
      map.put(r.name(), r);
    }
    this.byName = Map.copyOf(map);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The rules, in the order they are consulted. */
  public List<AccessRule> rules() {
    return rules;
  }

  @Override
  public PolicyDecision evaluate(AccessRequest request) {
    Validate.notNull("request", request);
    ResourcePattern requested = ResourcePattern.of(request.resource());
    for (AccessRule rule : rules) {
      if (rule.touches(requested, request.actions())) {
        return decide(rule, request, requested);
      }
    }
    return PolicyDecision.notApplicable();
  }

  /**
   * The rules that admit {@code subject} with {@code groups} as {@link #evaluate} judges eligibility (listed
   * subjects, groups and kinds), in order. A rule whose approvals could never be met for this requester (see the
   * class comment) is left out unless it allows break-glass, since it would deny every normal request.
   */
  @Override
  public List<RequestableAccess> requestable(Subject subject, Set<String> groups) {
    Validate.notNull("subject", subject);
    Validate.notNull("groups", groups);
    List<RequestableAccess> out = new ArrayList<>();
    for (AccessRule rule : rules) {
      if (!rule.admits(subject, groups) || rule.cannotBeApprovedFor(subject) && !rule.allowsBreakGlass()) {
        continue;
      }
      out.add(new RequestableAccess(rule.name(), rule.resources(), rule.actions(), rule.maxDuration(),
          rule.approvalRequirement().map(ApprovalRequirement::approvals).orElse(0), rule.justificationRequired(),
          rule.justificationPattern().orElse(null), rule.breakGlassMaxDuration().orElse(null),
          rule.incidentPattern().orElse(null)));
    }
    return List.copyOf(out);
  }

  private static PolicyDecision decide(AccessRule rule, AccessRequest request, ResourcePattern requested) {
    String name = rule.name();
    if (!rule.admits(request.subject(), request.groups())) {
      return PolicyDecision.deny("not eligible for rule " + name);
    }
    if (request.breakGlass() && !rule.allowsBreakGlass()) {
      return PolicyDecision.deny("rule " + name + " does not allow break-glass");
    }
    if (!rule.covers(requested)) {
      return PolicyDecision.deny("rule " + name + " applies to part of " + requested
          + " but does not cover all of it; ask for a narrower resource");
    }
    Set<String> notAllowed = notAllowed(rule, request.actions());
    if (!notAllowed.isEmpty()) {
      String allowed = rule.actions().toString();
      return PolicyDecision.deny("rule " + name + " does not allow " + notAllowed
          + (allowed.length() <= MAX_SHOWN_ACTIONS_CHARS ? "; it allows " + allowed : ""));
    }
    return request.breakGlass() ? decideBreakGlass(rule, request) : decideNormal(rule, request);
  }

  private static PolicyDecision decideNormal(AccessRule rule, AccessRequest request) {
    String name = rule.name();
    if (request.duration().compareTo(rule.maxDuration()) > 0) {
      return PolicyDecision.deny("duration " + request.duration() + " exceeds the max duration "
          + rule.maxDuration() + " of rule " + name);
    }
    String problem = rule.justificationProblem(request.justification());
    if (problem != null) {
      return PolicyDecision.deny(problem);
    }
    ApprovalRequirement requirement = rule.approvalRequirement().orElse(null);
    if (requirement == null) {
      return PolicyDecision.allow(name, request.duration());
    }
    if (rule.cannotBeApprovedFor(request.subject())) {
      int others = requirement.approvers().size() - 1;
      return PolicyDecision.deny("rule " + name + " needs " + requirement.approvals()
          + " approvals from others than the requester, and lists only " + others + " other approver"
          + (others == 1 ? "" : "s"));
    }
    return PolicyDecision.requireApprovals(name, request.duration(), requirement);
  }

  /** A break-glass request on a rule that allows it, once eligibility and actions passed. */
  private static PolicyDecision decideBreakGlass(AccessRule rule, AccessRequest request) {
    String name = rule.name();
    String problem = rule.incidentProblem(request.reference());
    if (problem != null) {
      return PolicyDecision.deny(problem);
    }
    Duration max = rule.breakGlassMaxDuration().orElseThrow();
    if (request.duration().compareTo(max) > 0) {
      return PolicyDecision.deny("duration " + request.duration() + " exceeds the break-glass max duration "
          + max + " of rule " + name);
    }
    problem = rule.breakGlassJustificationProblem(request.justification());
    if (problem != null) {
      return PolicyDecision.deny(problem);
    }
    return PolicyDecision.allow(name, request.duration());
  }

  @Override
  public PolicyDecision evaluateExtension(Grant grant, Duration extension, @Nullable String justification) {
    Validate.notNull("grant", grant);
    Validate.duration("extension", extension);
    AccessRule rule = byName.get(grant.rule());
    if (rule == null) {
      // Not ours (a grant of another policy in a composition) or removed since: let the next policy judge.
      return PolicyDecision.notApplicable();
    }
    String name = rule.name();
    if (grant.breakGlass()) {
      return PolicyDecision.deny("rule " + name + " does not extend break-glass grants: break-glass access is"
          + " short by design; make a new request");
    }
    if (!rule.covers(ResourcePattern.of(grant.resource()))) {
      return PolicyDecision.deny("rule " + name + " no longer covers " + grant.resource());
    }
    Set<String> notAllowed = notAllowed(rule, grant.actions());
    if (!notAllowed.isEmpty()) {
      return PolicyDecision.deny("rule " + name + " no longer allows " + notAllowed);
    }
    if (!rule.stillAdmits(grant.subject())) {
      return PolicyDecision.deny("not eligible for rule " + name);
    }
    String problem = rule.justificationProblem(justification);
    if (problem != null) {
      return PolicyDecision.deny(problem);
    }
    Duration lived = Duration.between(grant.notBefore(), grant.expiresAt());
    Duration left = rule.maxLifetime().minus(lived);
    if (left.isNegative() || left.isZero()) {
      return PolicyDecision.deny("max lifetime " + rule.maxLifetime() + " reached");
    }
    if (left.compareTo(extension) < 0) {
      return PolicyDecision.deny("extension " + extension + " exceeds what is left of max lifetime "
          + rule.maxLifetime() + ": " + left);
    }
    return PolicyDecision.allow(name, extension);
  }

  private static Set<String> notAllowed(AccessRule rule, Set<String> actions) {
    Set<String> out = null;
    for (String action : actions) {
      if (!rule.actions().contains(action)) {
        if (out == null) {
          out = new TreeSet<>();
        }
        out.add(action);
      }
    }
    return out == null ? Set.of() : out;
  }

  @Override
  public String toString() {
    return "RulePolicy" + rules;
  }

  /** Builds a {@link RulePolicy}; rules are consulted in the order added. Not thread-safe. */
  public static final class Builder {
    private final List<AccessRule> rules = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    private Builder() {}

    /**
     * Adds a rule after those already added.
     *
     * @throws IllegalArgumentException when a rule with the same name was already added
     */
    public Builder rule(AccessRule rule) {
      Validate.notNull("rule", rule);
      if (!names.add(rule.name())) {
        throw new IllegalArgumentException("rule name " + Validate.show(rule.name())
            + " is already used in this policy; rule names must be unique");
      }
      rules.add(rule);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException when no rule was added
     */
    public RulePolicy build() {
      if (rules.isEmpty()) {
        throw new IllegalArgumentException("rules must name at least one rule");
      }
      return new RulePolicy(rules);
    }
  }
}
