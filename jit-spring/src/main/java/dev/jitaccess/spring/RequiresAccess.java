package dev.jitaccess.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The annotated method runs only while the caller holds an effective just-in-time grant for {@link #action()} on
 * {@link #resource()}; otherwise it throws {@link JitAccessDeniedException} and the method does not run.
 *
 * <pre>{@code
 * @RequiresAccess(resource = "prod/db/orders", action = "write")
 * public void cancel(String orderId) { ... }
 *
 * @RequiresAccess(resource = "'prod/orders/' + #orderId", action = "read")   // SpEL over the arguments
 * public Order show(String orderId) { ... }
 * }</pre>
 *
 * <ul>
 *   <li><b>Where.</b> On a method, or on a type, where it applies to every public method except {@code equals},
 *       {@code hashCode} and {@code toString}. A method's own annotation wins over its type's. It is found on the class and on the
 *       interfaces and superclasses it inherits from. It works as a meta-annotation, so a team can declare
 *       {@code @ProdDbWrite} once.
 *   <li><b>Through the proxy only.</b> Enforcement is a Spring AOP proxy: a {@code private}, {@code static} or
 *       {@code final} annotated method fails the startup (a proxy cannot intercept it), and a bean calling its
 *       own annotated method ({@code this.list()}) bypasses the proxy and runs unchecked; the startup log warns
 *       about such calls where the class's bytecode shows them.
 *   <li><b>Ambiguity is an error.</b> Two different {@code @RequiresAccess} (directly or through
 *       meta-annotations) on the same method, or inherited from two places that disagree, or together with
 *       {@link ElevatedAccess}, fail the application's startup instead of one being picked.
 *   <li><b>Resource.</b> A literal resource name, checked at startup. A value that contains {@code #} or
 *       {@code '} is a SpEL expression instead, evaluated at each call over the method's arguments ({@code #name}
 *       by parameter name, which needs {@code -parameters}, or {@code #p0}/{@code #a0} by position) and beans
 *       ({@code @name}); it must yield a concrete resource name. A literal name containing one of those two
 *       characters is written as a SpEL string literal: {@code "'team#1/db'"}. An expression that fails or yields
 *       nothing denies the call; so does a {@code null} argument, property or method result anywhere in it (it
 *       never becomes the segment {@code null}). A variable the method does not define (a typo, a parameter name
 *       compiled without {@code -parameters}) or a {@code #function()} fails the startup.
 *   <li><b>Who.</b> The subject is the one the {@link SubjectResolver} bean returns (by default, with Spring
 *       Security, the current authentication's name as a user). No subject, no access.
 *   <li><b>While allowed.</b> The MDC holds {@code jit.grantId} and {@code jit.requestId} for the length of the
 *       call, and they are removed (or the enclosing call's values restored) afterwards, also when the method
 *       throws. Denials are audited by the engine as {@code ACCESS_DENIED}.
 *   <li><b>Asynchronous results.</b> A method returning a Reactor {@code Mono} or {@code Flux} is checked when
 *       the result is subscribed to (each subscription), not when the method returns, and again every second
 *       while the subscription runs (see {@link JitAccessInterceptor.Builder#reactiveRecheckInterval}): when the
 *       grant ends (revoked, expired, released) the stream ends with the denial; one returning a
 *       {@code CompletionStage} is checked when called, and a denial is its failed result.
 * </ul>
 */
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface RequiresAccess {

  /** The resource name, or a SpEL expression when it contains {@code #} or {@code '}. */
  String resource();

  /** The action, a lower-case word such as {@code read} or {@code write}. */
  String action();
}
