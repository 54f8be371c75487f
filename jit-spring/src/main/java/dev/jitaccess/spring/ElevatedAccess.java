package dev.jitaccess.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Scoped elevation: each call requests its own grant, holds it for the call and releases it afterwards, also
 * when the method throws. For service identities and jobs that should hold privileged access only while they
 * actually do the privileged work.
 *
 * <pre>{@code
 * @ElevatedAccess(resource = "prod/db/orders", action = "write",
 *     justification = "nightly reconciliation", duration = "PT5M")
 * public void reconcile() { ... }
 * }</pre>
 *
 * <p>The request is made for the subject the {@link SubjectResolver} returns (with the groups it returns), with
 * this justification, reference and duration, through the policy like any other request: it is audited
 * ({@code REQUESTED}, {@code GRANTED}, {@code RELEASED}) and the policy must auto-approve it. When the policy
 * denies it or routes it to approvers, the call is refused with a {@link JitAccessDeniedException} and the
 * method does not run (a request routed to approvers is withdrawn at once, audited {@code CANCELLED}: elevation
 * is meant for auto-approved rules). While the call runs, the MDC holds the grant's ids, as for
 * {@link RequiresAccess}. The grant is released when the method returns or throws; for a {@code Mono} or
 * {@code Flux}, when the subscription completes, fails or is cancelled; for a {@code CompletionStage}, when it
 * completes.
 *
 * <p>The grant is bound to the call ({@link dev.jitaccess.JitAccessManager#acquireBound}): other calls of the same
 * subject, concurrent or not, on this instance or another, do not ride on it, and neither does a direct
 * {@code JitAccessManager.check}. The {@link RequiresAccess} methods that the elevated method calls on its own
 * thread while it runs do use it, and so do the guarded {@code Mono}s and {@code Flux}es an elevated
 * {@code Mono}/{@code Flux} composes (their subscription carries the elevation in its Reactor context); work it
 * hands to other threads outside that does not.
 *
 * <p>Placement, meta-annotation and ambiguity rules are those of {@link RequiresAccess}; a method may not carry
 * both.
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface ElevatedAccess {

  /** The resource name, or a SpEL expression when it contains {@code #} or {@code '} (see {@link RequiresAccess}). */
  String resource();

  /** The action. */
  String action();

  /** Why, as recorded in the audit trail; rules may require a pattern (a ticket id). */
  String justification();

  /**
   * How long the grant may last at most, should the call outlive it: an ISO-8601 duration ({@code PT5M}) or a
   * number with a unit {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 5m}). Default five minutes.
   */
  String duration() default "PT5M";

  /** A ticket reference recorded on the request; none by default. */
  String reference() default "";
}
