package dev.jitaccess;

/** Where a request that waited (for approvals or for its start) is in its life. Only moves forward. */
public enum RequestState {
  /** Waiting for approvals. */
  PENDING,
  /** Turned into a grant (see {@link RequestRecord#grantId()}). */
  GRANTED,
  /** An approver said no. */
  REJECTED,
  /** Its review window passed without enough approvals. */
  EXPIRED,
  /** Its requester (or an administrator) withdrew it while it was pending. */
  CANCELLED;

  public boolean isTerminal() {
    return this != PENDING;
  }
}
