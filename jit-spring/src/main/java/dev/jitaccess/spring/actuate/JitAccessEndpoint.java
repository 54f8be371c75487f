package dev.jitaccess.spring.actuate;

import dev.jitaccess.Approval;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.store.GrantStore;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.lang.Nullable;

/**
 * The actuator endpoint {@code jitaccess}: what is granted and what waits, and revocation by grant id.
 *
 * <ul>
 *   <li>{@code GET /actuator/jitaccess}: the active grants (not yet ended or run out) and the pending requests;
 *   <li>{@code GET /actuator/jitaccess/{grantId}}: one grant, active or ended (404 when unknown);
 *   <li>{@code DELETE /actuator/jitaccess/{grantId}?reason=...}: revokes it, audited with the calling principal
 *       as the actor ({@code service:actuator} when the endpoint is called without one).
 * </ul>
 *
 * <p>No secrets: credentials are never listed. Secure the endpoint as you secure actuator; expose it with
 * {@code management.endpoints.web.exposure.include=jitaccess}.
 */
@Endpoint(id = "jitaccess")
public class JitAccessEndpoint {

  /** The actor of a revocation made without a principal. */
  public static final Subject ANONYMOUS_ACTOR = Subject.service("actuator");

  private static final String DEFAULT_REASON = "revoked through the actuator endpoint";

  private final JitAccessManager jit;
  private final Supplier<GrantStore> store;
  private final Supplier<Clock> clock;

  /**
   * @param store lists the active grants; may supply {@code null} (then none are listed)
   */
  public JitAccessEndpoint(JitAccessManager jit, Supplier<GrantStore> store, Supplier<Clock> clock) {
    this.jit = Objects.requireNonNull(jit, "jit");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @ReadOperation
  public Report report() {
    Instant now = clock.get().instant();
    GrantStore grants = store.get();
    List<GrantView> active = grants == null ? List.of() : grants.findActive().stream()
        .filter(g -> now.isBefore(g.expiresAt()))
        .sorted(Comparator.comparing(Grant::expiresAt).thenComparing(Grant::id))
        .map(g -> GrantView.of(g, now))
        .toList();
    List<RequestView> pending = jit.pendingRequests().stream()
        .sorted(Comparator.comparing(RequestRecord::createdAt).thenComparing(RequestRecord::id))
        .map(RequestView::of)
        .toList();
    return new Report(active, pending);
  }

  @ReadOperation
  @Nullable
  public GrantView grant(@Selector String grantId) {
    return jit.grant(grantId).map(g -> GrantView.of(g, clock.get().instant())).orElse(null);
  }

  @DeleteOperation
  @Nullable
  public RevokeResult revoke(@Selector String grantId, @Nullable Principal principal, @Nullable String reason) {
    if (jit.grant(grantId).isEmpty()) {
      return null;
    }
    Subject actor = actor(principal);
    String why = reason == null || reason.isBlank() ? DEFAULT_REASON : reason;
    boolean revoked = jit.revoke(grantId, actor, why);
    return new RevokeResult(grantId, revoked, actor.toString());
  }

  private static Subject actor(@Nullable Principal principal) {
    if (principal == null || principal.getName() == null) {
      return ANONYMOUS_ACTOR;
    }
    try {
      return Subject.user(principal.getName());
    } catch (IllegalArgumentException invalidName) {
      return ANONYMOUS_ACTOR;
    }
  }

  /** What {@code GET /actuator/jitaccess} answers. */
  public record Report(List<GrantView> activeGrants, List<RequestView> pendingRequests) {}

  /** A grant as listed: its facts, never its credential. */
  public record GrantView(String id, String requestId, String subject, String resource, Set<String> actions,
      String state, boolean effective, String notBefore, String expiresAt, String rule, boolean breakGlass,
      @Nullable String justification, @Nullable String reference, List<String> approvedBy,
      @Nullable String endedAt, @Nullable String endReason) {

    static GrantView of(Grant g, Instant now) {
      return new GrantView(g.id(), g.requestId(), g.subject().toString(), g.resource(), g.actions(),
          g.state().name(), g.isEffectiveAt(now), g.notBefore().toString(), g.expiresAt().toString(), g.rule(),
          g.breakGlass(), g.justification(), g.reference(), approvers(g.approvals()),
          g.endedAt() == null ? null : g.endedAt().toString(), g.endReason());
    }
  }

  /** A request waiting for approvals. */
  public record RequestView(String id, String requester, String resource, Set<String> actions, String duration,
      String rule, int approvalsNeeded, List<String> approvedBy, String createdAt, @Nullable String reviewDeadline,
      @Nullable String justification, @Nullable String reference) {

    static RequestView of(RequestRecord r) {
      return new RequestView(r.id(), r.requester().toString(), r.request().resource(), r.request().actions(),
          r.duration().toString(), r.rule(), r.approvalsNeeded(), approvers(r.approvals()), r.createdAt().toString(),
          r.reviewDeadline() == null ? null : r.reviewDeadline().toString(), r.request().justification(),
          r.request().reference());
    }
  }

  /** What {@code DELETE /actuator/jitaccess/{grantId}} answers; {@code revoked} is false if it had ended. */
  public record RevokeResult(String grantId, boolean revoked, String actor) {}

  private static List<String> approvers(List<Approval> approvals) {
    return approvals.stream().map(a -> a.approver().toString()).toList();
  }
}
