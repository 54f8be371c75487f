package dev.jitaccess.audit;

/** What happened. */
public enum AuditEventType {
  /** A subject asked for access. */
  REQUESTED,
  /** An approver said yes. */
  APPROVED,
  /** An approver said no. */
  REJECTED,
  /** The policy said no (or failed, which counts as no). */
  DENIED,
  /** Access was given; written before the grant becomes visible to checks. */
  GRANTED,
  /** A grant was lengthened. */
  EXTENDED,
  /** The holder gave a grant back early. */
  RELEASED,
  /** Someone took a grant away. */
  REVOKED,
  /** A grant ran out. */
  EXPIRED,
  /** A grant was used (first use per resource and action, or every use, as configured). */
  ACCESS_USED,
  /** A check was refused (rate-limited per subject). */
  ACCESS_DENIED,
  /** Emergency access was given without approval. */
  BREAK_GLASS,
  /** Someone other than its holder reviewed a break-glass grant after the incident. */
  BREAK_GLASS_REVIEWED;

  /** Events that reduce privilege must never be blocked by a failing sink. */
  public boolean reducesPrivilege() {
    return this == RELEASED || this == REVOKED || this == EXPIRED;
  }
}
