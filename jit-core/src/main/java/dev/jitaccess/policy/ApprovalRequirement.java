package dev.jitaccess.policy;

import dev.jitaccess.PersonKey;
import dev.jitaccess.Subject;
import dev.jitaccess.internal.Validate;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who must say yes before a request is granted, and for how long the request waits.
 *
 * <p>An approver is eligible when listed in {@code approvers} or a member of one of {@code approverGroups} (as
 * the application's {@code ApproverDirectory} tells). The requester is never eligible unless
 * {@code selfApprovalAllowed}. Each approver counts once; {@code approvals} distinct eligible approvers grant the
 * request, one eligible "no" ends it. "The requester" and "distinct" mean persons, as the engine's
 * {@link PersonKey} tells, not spellings of a subject.
 *
 * @param approvals how many distinct approvals are needed, 1 to 10
 * @param approvers subjects who may approve
 * @param approverGroups groups whose members may approve
 * @param selfApprovalAllowed whether the requester may approve its own request
 * @param reviewWindow how long the request waits for its approvals before it expires
 */
public record ApprovalRequirement(
    int approvals,
    Set<Subject> approvers,
    Set<String> approverGroups,
    boolean selfApprovalAllowed,
    Duration reviewWindow) {

  /** The review window when a rule names none. */
  public static final Duration DEFAULT_REVIEW_WINDOW = Duration.ofHours(1);
  /** The most approvals a request can need. */
  public static final int MAX_APPROVALS = 10;

  public ApprovalRequirement {
    Validate.requireArgument(approvals >= 1 && approvals <= MAX_APPROVALS, "approvals", approvals,
        "must be between 1 and " + MAX_APPROVALS);
    Validate.notNull("approvers", approvers);
    Validate.notNull("approverGroups", approverGroups);
    for (Subject approver : approvers) {
      Validate.notNull("approver", approver);
    }
    TreeSet<String> groups = new TreeSet<>();
    for (String group : approverGroups) {
      groups.add(Validate.id("approverGroup", group));
    }
    Validate.requireArgument(!approvers.isEmpty() || !groups.isEmpty(), "approvers", approvers,
        "or approverGroups must name someone who can approve");
    approvers = Collections.unmodifiableSet(new LinkedHashSet<>(approvers));
    approverGroups = Collections.unmodifiableSet(groups);
    Validate.duration("reviewWindow", reviewWindow);
  }

  /**
   * Whether {@code approver}, a member of {@code approverGroupsOfApprover}, may approve a request of
   * {@code requester}. Being the requester is judged by {@code personKey} (one person under any spelling); being
   * listed by exact kind and id.
   */
  public boolean isEligible(Subject approver, Set<String> approverGroupsOfApprover, Subject requester,
      PersonKey personKey) {
    if (!selfApprovalAllowed && personKey.samePerson(approver, requester)) {
      return false;
    }
    if (approvers.contains(approver)) {
      return true;
    }
    for (String group : approverGroupsOfApprover) {
      if (approverGroups.contains(group)) {
        return true;
      }
    }
    return false;
  }
}
