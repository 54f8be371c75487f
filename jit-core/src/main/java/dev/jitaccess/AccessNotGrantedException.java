package dev.jitaccess;

/** {@link JitAccessManager#acquire} could not hand out access now; {@link #outcome()} says why. */
public class AccessNotGrantedException extends JitAccessException {
  private final transient RequestOutcome outcome;

  public AccessNotGrantedException(RequestOutcome outcome) {
    super(describe(outcome));
    this.outcome = outcome;
  }

  public RequestOutcome outcome() {
    return outcome;
  }

  private static String describe(RequestOutcome outcome) {
    if (outcome instanceof RequestOutcome.Denied denied) {
      return "access denied for request " + denied.requestId() + ": " + denied.reason();
    }
    if (outcome instanceof RequestOutcome.Pending pending) {
      return "request " + pending.requestId() + " needs " + pending.approvalsNeeded()
          + " approval(s), which acquire does not wait for; it was withdrawn";
    }
    return "request " + outcome.requestId() + " was granted but is not effective now";
  }
}
