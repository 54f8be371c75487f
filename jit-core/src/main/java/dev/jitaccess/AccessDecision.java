package dev.jitaccess;

import jakarta.annotation.Nullable;

/**
 * The answer to a check: allowed by a grant, or denied with a reason.
 *
 * <p>The engine hands out decisions it made before the check (one per active grant, a few for the common
 * denials), so the hot path allocates nothing; compare them with {@link #allowed()}, not by identity.
 *
 * @param allowed whether access is allowed
 * @param grant the grant that allowed it; {@code null} when denied
 * @param reason why it was denied; {@code null} when allowed
 */
public record AccessDecision(boolean allowed, @Nullable Grant grant, @Nullable String reason) {

  public AccessDecision {
    if (allowed != (grant != null) || allowed == (reason != null)) {
      throw new IllegalArgumentException(
          "an allowed decision has a grant and no reason, a denied one a reason and no grant");
    }
  }

  public static AccessDecision allow(Grant grant) {
    return new AccessDecision(true, grant, null);
  }

  public static AccessDecision deny(String reason) {
    return new AccessDecision(false, null, reason);
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
