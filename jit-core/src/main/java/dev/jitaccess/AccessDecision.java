package dev.jitaccess;

import jakarta.annotation.Nullable;

/**
 * The answer to a check: allowed by a grant, or denied with a reason.
 *
 * <p>The engine hands out decisions it made before the check (one per active grant, a few for the common
 * denials), so the hot path allocates nothing; compare them with {@link #allowed()}, not by identity.
 *
 * <p>A denial carries a {@link Code} for programs (a web layer maps it to a fixed public message, a metric to a
 * tag) and a {@code reason} for people: the reason may describe the deployment (a store whose feed is down), so it
 * belongs in the audit trail and the log, not in an answer to an untrusted client.
 *
 * @param allowed whether access is allowed
 * @param grant the grant that allowed it; {@code null} when denied
 * @param reason why it was denied; {@code null} when allowed
 * @param code what kind of denial it is; {@code null} when allowed
 */
public record AccessDecision(boolean allowed, @Nullable Grant grant, @Nullable String reason, @Nullable Code code) {

  /** Why a check was denied, as a stable value to switch on. */
  public enum Code {
    /** The check named no subject. */
    NO_SUBJECT,
    /** The resource is missing or not a concrete, well-formed name. */
    INVALID_RESOURCE,
    /** The action is missing or malformed. */
    INVALID_ACTION,
    /** No effective grant of the subject covers the resource and action. */
    NO_GRANT,
    /** The manager was closed. */
    CLOSED,
    /** The use had to be audited and the audit sink refused it. */
    USE_NOT_AUDITED,
    /** The local view of a shared store may be out of date, so nothing is allowed until it is fresh again. */
    STALE,
    /** An access request made for this call (an elevation) was not well-formed. */
    INVALID_REQUEST,
    /** An access request made for this call (an elevation) was denied, or needs approvals. */
    NOT_GRANTED,
    /** The access this call needs could not be determined, so it is refused rather than let through. */
    UNRESOLVED,
    /** Something failed while deciding (a store, a policy); the engine fails closed. */
    FAILED
  }

  public AccessDecision {
    if (allowed != (grant != null) || allowed == (reason != null) || allowed == (code != null)) {
      throw new IllegalArgumentException(
          "an allowed decision has a grant and neither reason nor code, a denied one a reason and a code and no grant");
    }
  }

  public static AccessDecision allow(Grant grant) {
    return new AccessDecision(true, grant, null, null);
  }

  public static AccessDecision deny(Code code, String reason) {
    return new AccessDecision(false, null, reason, code);
  }

  /** The id of the grant that allowed access, for stamping on what the caller does under it. */
  @Nullable
  public String grantId() {
    return grant == null ? null : grant.id();
  }

  /** The id of the request behind the grant that allowed access. */
  @Nullable
  public String requestId() {
    return grant == null ? null : grant.requestId();
  }
}
