package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import dev.jitaccess.policy.ApprovalRequirement;
import jakarta.annotation.Nullable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the store remembers of a request that did not end the moment it was made: one waiting for approvals,
 * or one granted for a later start (whose policy is asked again when the window opens). Immutable; every
 * change is a new value with the next {@code version}, for compare-and-set.
 *
 * @param id the request id
 * @param request the request as made
 * @param rule the policy rule that decided it
 * @param duration how long the grant lasts once it starts
 * @param requirement who must approve; {@code null} when none had to
 * @param approvals the approvals so far, in order
 * @param createdAt when the request was made
 * @param reviewDeadline when an unanswered request expires; {@code null} when none had to approve
 * @param state where it is
 * @param grantId the grant it became, once {@code GRANTED}
 * @param endReason why it was rejected or expired
 * @param version incremented by every change
 */
public record RequestRecord(
    String id,
    AccessRequest request,
    String rule,
    Duration duration,
    @Nullable ApprovalRequirement requirement,
    List<Approval> approvals,
    Instant createdAt,
    @Nullable Instant reviewDeadline,
    RequestState state,
    @Nullable String grantId,
    @Nullable String endReason,
    long version) {

  public RequestRecord {
    Validate.id("id", id);
    Validate.notNull("request", request);
    Validate.id("rule", rule);
    Validate.duration("duration", duration);
    approvals = List.copyOf(Validate.notNull("approvals", approvals));
    Validate.notNull("createdAt", createdAt);
    Validate.requireArgument((requirement == null) == (reviewDeadline == null), "reviewDeadline", reviewDeadline,
        "must be set exactly when approvals are required");
    Validate.notNull("state", state);
    Validate.requireArgument(state != RequestState.GRANTED || grantId != null, "grantId", grantId,
        "must be set for a granted request");
    Validate.text("endReason", endReason);
    Validate.requireArgument(version >= 0, "version", version, "must not be negative");
  }

  /** The subject who asked. */
  public Subject requester() {
    return request.subject();
  }

  /** How many more approvals the request needs. */
  public int approvalsNeeded() {
    return requirement == null ? 0 : Math.max(0, requirement.approvals() - approvals.size());
  }

  /** Whether the person {@code approver} is, as {@code personKey} tells, has approved already, in any spelling. */
  public boolean isApprovedBy(Subject approver, PersonKey personKey) {
    return approvals.stream().anyMatch(a -> personKey.samePerson(a.approver(), approver));
  }

  /** One more approval; the request stays pending until it is granted. */
  RequestRecord withApproval(Approval approval) {
    List<Approval> more = new java.util.ArrayList<>(approvals);
    more.add(approval);
    return new RequestRecord(id, request, rule, duration, requirement, more, createdAt, reviewDeadline, state,
        grantId, endReason, version + 1);
  }

  /** Granted as {@code newGrantId}. */
  RequestRecord granted(String newGrantId) {
    return new RequestRecord(id, request, rule, duration, requirement, approvals, createdAt, reviewDeadline,
        RequestState.GRANTED, newGrantId, null, version + 1);
  }

  RequestRecord withoutLastApproval() {
    return new RequestRecord(id, request, rule, duration, requirement, approvals.subList(0, approvals.size() - 1),
        createdAt, reviewDeadline, RequestState.PENDING, null, null, version + 1);
  }

  RequestRecord ended(RequestState terminal, String reason) {
    return new RequestRecord(id, request, rule, duration, requirement, approvals, createdAt, reviewDeadline,
        terminal, grantId, reason, version + 1);
  }
}
