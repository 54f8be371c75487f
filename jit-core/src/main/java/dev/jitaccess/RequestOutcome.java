package dev.jitaccess;

/**
 * What became of a request: granted now, waiting for approvals, or denied.
 * Every outcome carries the request id, so an application can correlate it with the audit trail.
 */
public sealed interface RequestOutcome {

  String requestId();

  /** The request was granted; the grant may still start later (scheduled access). */
  record Granted(Grant grant) implements RequestOutcome {
    public Granted {
      java.util.Objects.requireNonNull(grant, "grant");
    }

    @Override
    public String requestId() {
      return grant.requestId();
    }
  }

  /** The request waits for {@code approvalsNeeded} more approvals. */
  record Pending(String requestId, int approvalsNeeded) implements RequestOutcome {}

  /**
   * The request was refused; {@code reason} says why. {@code limitReached} when the refusal is the manager's own
   * per-subject limit (too many active grants or pending requests), not the policy's: asking again later may succeed.
   */
  record Denied(String requestId, String reason, boolean limitReached) implements RequestOutcome {

    /** A refusal by the policy or the request's own fault. */
    public Denied(String requestId, String reason) {
      this(requestId, reason, false);
    }
  }
}
