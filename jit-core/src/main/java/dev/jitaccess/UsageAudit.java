package dev.jitaccess;

/** How much of the allowed checks the audit trail records. Denied checks are always recorded (rate-limited). */
public enum UsageAudit {
  /**
   * One {@code ACCESS_USED} event per grant for each resource and action it is first used for: the trail shows
   * what was touched, and the check path costs nothing more once a use is recorded. The default.
   */
  FIRST_USE,
  /** An {@code ACCESS_USED} event for every allowed check. Costly; for the most sensitive resources. */
  EVERY_USE,
  /** No {@code ACCESS_USED} events. */
  NONE
}
