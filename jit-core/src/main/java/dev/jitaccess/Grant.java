package dev.jitaccess;

import dev.jitaccess.internal.Validate;
import jakarta.annotation.Nullable;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Access given to a subject: immutable. Every change (extension, end) is a new value with the next
 * {@code version}, which stores use for compare-and-set.
 *
 * <p>A grant is effective iff {@code state == ACTIVE && notBefore <= now < expiresAt}: see
 * {@link #isEffectiveAt}. Instants are whole milliseconds, the resolution of the engine's clock.
 *
 * @param id unique id of the grant
 * @param requestId id of the request it answered
 * @param subject who holds it
 * @param resource the resource name or pattern it covers
 * @param actions the actions it allows, sorted
 * @param notBefore when it starts
 * @param expiresAt when it ends unless extended, released or revoked
 * @param state where it is in its life
 * @param justification the requester's reason
 * @param reference ticket or incident id
 * @param approvals who approved it, in order; empty for auto-approved and break-glass grants
 * @param breakGlass whether it is emergency access
 * @param rule the policy rule that allowed it, so an extension is judged by the same rule
 * @param version incremented by every change
 * @param endedAt when it ended, for a terminal state
 * @param endReason why it ended ({@value #RELEASED_REASON} for a release), for a terminal state
 * @param bound whether it is bound to the handle it was acquired with ({@link JitAccessManager#acquireBound}): no
 *     {@link JitAccessManager#check} allows it, only that handle's {@link GrantHandle#check}
 */
public record Grant(
    String id,
    String requestId,
    Subject subject,
    String resource,
    Set<String> actions,
    Instant notBefore,
    Instant expiresAt,
    GrantState state,
    @Nullable String justification,
    @Nullable String reference,
    List<Approval> approvals,
    boolean breakGlass,
    String rule,
    long version,
    @Nullable Instant endedAt,
    @Nullable String endReason,
    boolean bound) {

  /** The end reason of a grant its holder gave back. */
  public static final String RELEASED_REASON = "released";
  /** The end reason of a grant that ran out. */
  public static final String EXPIRED_REASON = "expired";

  public Grant {
    Validate.id("id", id);
    Validate.id("requestId", requestId);
    Validate.notNull("subject", subject);
    ResourcePattern.parse("resource", resource);
    actions = AccessRequest.checkedActions(actions);
    Validate.notNull("notBefore", notBefore);
    Validate.notNull("expiresAt", expiresAt);
    Validate.requireArgument(expiresAt.isAfter(notBefore), "expiresAt", expiresAt, "must be after notBefore " + notBefore);
    Validate.notNull("state", state);
    Validate.text("justification", justification);
    approvals = List.copyOf(Validate.notNull("approvals", approvals));
    Validate.id("rule", rule);
    Validate.requireArgument(version >= 0, "version", version, "must not be negative");
    Validate.requireArgument(state.isTerminal() == (endedAt != null), "endedAt", endedAt,
        "must be set exactly when the state is terminal (state " + state + ")");
    Validate.text("endReason", endReason);
  }

  /** A grant that is not {@linkplain #bound() bound} to a handle. */
  public Grant(String id, String requestId, Subject subject, String resource, Set<String> actions, Instant notBefore,
      Instant expiresAt, GrantState state, @Nullable String justification, @Nullable String reference,
      List<Approval> approvals, boolean breakGlass, String rule, long version, @Nullable Instant endedAt,
      @Nullable String endReason) {
    this(id, requestId, subject, resource, actions, notBefore, expiresAt, state, justification, reference, approvals,
        breakGlass, rule, version, endedAt, endReason, false);
  }

  /** Whether the grant allows access at {@code now}. */
  public boolean isEffectiveAt(Instant now) {
    return state == GrantState.ACTIVE && !now.isBefore(notBefore) && now.isBefore(expiresAt);
  }

  /** Whether the grant covers this concrete resource and action (ignoring time and state). */
  public boolean covers(String resourceName, String action) {
    return actions.contains(action) && ResourcePattern.of(resource).matches(resourceName);
  }

  /** The same grant with a new expiry, one version on. */
  public Grant withExpiresAt(Instant newExpiresAt) {
    return new Grant(id, requestId, subject, resource, actions, notBefore, newExpiresAt, state, justification,
        reference, approvals, breakGlass, rule, version + 1, endedAt, endReason, bound);
  }

  /** The same grant ended, one version on. */
  public Grant ended(GrantState terminal, Instant at, String reason) {
    Validate.requireArgument(terminal.isTerminal(), "state", terminal, "must be terminal");
    return new Grant(id, requestId, subject, resource, actions, notBefore, expiresAt, terminal, justification,
        reference, approvals, breakGlass, rule, version + 1, at, reason, bound);
  }

  @Override
  public String toString() {
    return "Grant[" + id + " " + subject + " " + resource + " " + actions + " " + state
        + " " + notBefore + ".." + expiresAt + " v" + version + (bound ? " bound" : "") + "]";
  }
}
