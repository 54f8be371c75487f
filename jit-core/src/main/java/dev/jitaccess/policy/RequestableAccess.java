package dev.jitaccess.policy;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * What a subject may ask for under one policy rule: the answer to {@link AccessPolicy#requestable}, for a page
 * that offers a request form. It describes the rule; whether a given request passes is still decided by
 * {@link AccessPolicy#evaluate}. Immutable.
 *
 * @param rule the rule's name
 * @param resources the resource patterns the rule covers, in the rule's order
 * @param actions the actions it may grant, sorted
 * @param maxDuration the longest duration one request may ask for
 * @param approvalsRequired how many distinct approvals a request needs; 0 when it is granted at once
 * @param justificationRequired whether a non-blank justification is required
 * @param justificationPattern the regular expression a justification must contain, if any
 * @param breakGlassMaxDuration the longest break-glass request, when the rule allows break-glass
 * @param incidentPattern the regular expression a break-glass incident id must contain, if any
 */
public record RequestableAccess(
    String rule,
    List<String> resources,
    Set<String> actions,
    Duration maxDuration,
    int approvalsRequired,
    boolean justificationRequired,
    @Nullable String justificationPattern,
    @Nullable Duration breakGlassMaxDuration,
    @Nullable String incidentPattern) {

  public RequestableAccess {
    Validate.id("rule", rule);
    resources = List.copyOf(Validate.notNull("resources", resources));
    actions = Set.copyOf(Validate.notNull("actions", actions));
    Validate.duration("maxDuration", maxDuration);
    Validate.requireArgument(approvalsRequired >= 0 && approvalsRequired <= ApprovalRequirement.MAX_APPROVALS,
        "approvalsRequired", approvalsRequired, "must be between 0 and " + ApprovalRequirement.MAX_APPROVALS);
    Validate.requireArgument(incidentPattern == null || breakGlassMaxDuration != null, "incidentPattern",
        incidentPattern, "applies only when break-glass is allowed");
  }

  /** Whether a request the rule allows is granted without approvals. */
  public boolean autoApprove() {
    return approvalsRequired == 0;
  }

  /** Whether the rule allows break-glass requests. */
  public boolean breakGlass() {
    return breakGlassMaxDuration != null;
  }
}
