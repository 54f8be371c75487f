package dev.jitaccess.spring.actuate;

import dev.jitaccess.Approval;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestRecord;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditHmac;
import dev.jitaccess.store.GrantStore;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.springframework.boot.actuate.endpoint.Access;
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
 *       as the actor ({@code user:<name>}).
 * </ul>
 *
 * <p>Read-only by default: revocation is an operation Actuator offers only once the application allows it
 * ({@code management.endpoint.jitaccess.access=unrestricted}), and then only to a caller that
 * {@code mayRevoke} accepts (the auto-configuration: a Spring Security authentication holding
 * {@code jit.access.actuator.revoke-authority}) and whose name is a valid subject id. Any other caller, one
 * without a principal included, is refused before the grant is looked up, so a refusal tells nothing about which
 * grants exist; nobody revokes under a stand-in identity.
 *
 * <p>No secrets: credentials are never listed. With an {@link AuditHmac} (the auto-configuration passes the audit
 * file's key), justifications and reasons for an end are shown as the keyed hashes the audit writes, never in
 * clear. Secure the endpoint as you secure actuator; expose it by adding {@code jitaccess} to
 * {@code management.endpoints.web.exposure.include}.
 *
 * <p>Thread-safe: its state is final and the manager and store are thread-safe; Actuator calls it from request
 * threads.
 */
@Endpoint(id = "jitaccess", defaultAccess = Access.READ_ONLY)
public class JitAccessEndpoint {

  private static final String DEFAULT_REASON = "revoked through the actuator endpoint";

  private final JitAccessManager jit;
  private final Supplier<GrantStore> store;
  private final Supplier<Clock> clock;
  private final Predicate<? super Principal> mayRevoke;
  private final UnaryOperator<String> shown;

  /**
   * @param store lists the active grants; may supply {@code null} (then none are listed)
   * @param mayRevoke whether a caller (never {@code null}) may revoke; {@code principal -> false} for nobody
   * @param hmac hashes justifications and reasons as the audit does; {@code null} shows them as they are
   */
  public JitAccessEndpoint(JitAccessManager jit, Supplier<GrantStore> store, Supplier<Clock> clock,
      Predicate<? super Principal> mayRevoke, @Nullable AuditHmac hmac) {
    this.jit = Objects.requireNonNull(jit, "jit");
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.mayRevoke = Objects.requireNonNull(mayRevoke, "mayRevoke");
    this.shown = hmac == null ? UnaryOperator.identity() : hmac::hash;
  }

  @ReadOperation
  public Report report() {
    Instant now = clock.get().instant();
    GrantStore grants = store.get();
    List<GrantView> active = grants == null ? List.of() : grants.findActive().stream()
        .filter(g -> now.isBefore(g.expiresAt()))
        .sorted(Comparator.comparing(Grant::expiresAt).thenComparing(Grant::id))
        .map(g -> GrantView.of(g, now, shown))
        .toList();
    List<RequestView> pending = jit.pendingRequests().stream()
        .sorted(Comparator.comparing(RequestRecord::createdAt).thenComparing(RequestRecord::id))
        .map(r -> RequestView.of(r, shown))
        .toList();
    return new Report(active, pending);
  }

  @ReadOperation
  @Nullable
  public GrantView grant(@Selector String grantId) {
    return jit.grant(grantId).map(g -> GrantView.of(g, clock.get().instant(), shown)).orElse(null);
  }

  /**
   * Revokes the grant as the calling principal.
   *
   * @return {@code null} if there is no such grant
   * @throws RevocationRefusedException if the caller may not revoke (checked before the grant is looked up)
   */
  @DeleteOperation
  @Nullable
  public RevokeResult revoke(@Selector String grantId, @Nullable Principal principal, @Nullable String reason) {
    Subject actor = revoker(principal);
    if (jit.grant(grantId).isEmpty()) {
      return null;
    }
    String why = reason == null || reason.isBlank() ? DEFAULT_REASON : reason;
    boolean revoked = jit.revoke(grantId, actor, why);
    return new RevokeResult(grantId, revoked, actor.toString());
  }

  private Subject revoker(@Nullable Principal principal) {
    if (principal == null || !mayRevoke.test(principal)) {
      throw new RevocationRefusedException("the caller may not revoke grants through the actuator");
    }
    try {
      return Subject.user(principal.getName());
    } catch (IllegalArgumentException invalidName) {
      throw new RevocationRefusedException("the caller's name is not a valid subject id");
    }
  }

  /** A revocation refused because of who asked; over HTTP, 403. The message names no grant and no caller. */
  public static final class RevocationRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RevocationRefusedException(String message) {
      super(message);
    }
  }

  /** What {@code GET /actuator/jitaccess} answers. */
  public record Report(List<GrantView> activeGrants, List<RequestView> pendingRequests) {}

  /** A grant as listed: its facts, never its credential. */
  public record GrantView(String id, String requestId, String subject, String resource, Set<String> actions,
      String state, boolean effective, String notBefore, String expiresAt, String rule, boolean breakGlass,
      @Nullable String justification, @Nullable String reference, List<String> approvedBy,
      @Nullable String endedAt, @Nullable String endReason) {

    static GrantView of(Grant g, Instant now, UnaryOperator<String> shown) {
      return new GrantView(g.id(), g.requestId(), g.subject().toString(), g.resource(), g.actions(),
          g.state().name(), g.isEffectiveAt(now), g.notBefore().toString(), g.expiresAt().toString(), g.rule(),
          g.breakGlass(), show(g.justification(), shown), g.reference(), approvers(g.approvals()),
          g.endedAt() == null ? null : g.endedAt().toString(), show(g.endReason(), shown));
    }
  }

  /** A request waiting for approvals. */
  public record RequestView(String id, String requester, String resource, Set<String> actions, String duration,
      String rule, int approvalsNeeded, List<String> approvedBy, String createdAt, @Nullable String reviewDeadline,
      @Nullable String justification, @Nullable String reference) {

    static RequestView of(RequestRecord r, UnaryOperator<String> shown) {
      return new RequestView(r.id(), r.requester().toString(), r.request().resource(), r.request().actions(),
          r.duration().toString(), r.rule(), r.approvalsNeeded(), approvers(r.approvals()), r.createdAt().toString(),
          r.reviewDeadline() == null ? null : r.reviewDeadline().toString(), show(r.request().justification(), shown),
          r.request().reference());
    }
  }

  /** What {@code DELETE /actuator/jitaccess/{grantId}} answers; {@code revoked} is false if it had ended. */
  public record RevokeResult(String grantId, boolean revoked, String actor) {}

  @Nullable
  private static String show(@Nullable String text, UnaryOperator<String> shown) {
    return text == null ? null : shown.apply(text);
  }

  private static List<String> approvers(List<Approval> approvals) {
    return approvals.stream().map(a -> a.approver().toString()).toList();
  }
}
