package dev.jitaccess.audit;

/** What happened. */
public enum AuditEventType {
  /** A subject asked for access. */
  REQUESTED,
  /** An approver said yes. */
  APPROVED,
  /** An approver said no. */
  REJECTED,
  /** A pending request was withdrawn by its requester, an administrator, or an {@code acquire} it could not serve. */
  CANCELLED,
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
  BREAK_GLASS_REVIEWED,
  /**
   * An event was not recorded as the audit rule requires (see {@link CompositeAuditSink}): written by a
   * composite to the sinks that did accept it, so their trail does not claim an effect that never happened.
   * The details name the event ({@code failedEvent}, {@code failedType}), the {@code rule} and the sinks that
   * refused it ({@code refusedBy}).
   */
  AUDIT_FAILED,
  /**
   * Privilege-reducing events were dropped while the sink was down because the engine's backlog was full; the
   * details tell how many ({@code lost}) and which ({@code firstLost}, {@code lastLost}, {@code from},
   * {@code to}). Written when the sink accepts events again, before the events still held.
   */
  AUDIT_LOST,
  /**
   * The grant store holds a record it cannot read (a malformed row): it was left out, so what it describes is not
   * honoured, and every other record still is (see {@link dev.jitaccess.store.MalformedRecordReporter}). Written
   * once per record and store, the first time a read meets it. {@code grantId} (a grant or review) or
   * {@code requestId} (a request) names it; the details name the {@code table}, the {@code kind} and the
   * {@code problem}, never the stored values.
   */
  STORE_RECORD_SKIPPED;

  /** Events that reduce privilege must never be blocked by a failing sink. */
  public boolean reducesPrivilege() {
    return this == RELEASED || this == REVOKED || this == EXPIRED;
  }
}
