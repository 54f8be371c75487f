package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import jakarta.annotation.Nullable;

/**
 * An annotated call was refused: the caller holds no effective grant for the action on the resource, or an
 * {@link ElevatedAccess} request was not granted. The method did not run.
 *
 * <p>This is what the interceptor throws when Spring Security is absent. With Spring Security on the classpath
 * the auto-configuration makes it throw {@code JitAccessDeniedSecurityException} instead, a Spring Security
 * {@code AuthorizationDeniedException}, so that Security's own access-denied handling applies; both implement
 * {@link JitAccessDenial}. In a Spring MVC application without Spring Security this exception becomes a 403
 * response with an RFC 9457 problem body.
 */
public class JitAccessDeniedException extends RuntimeException implements JitAccessDenial {

  private static final long serialVersionUID = 1L;

  private final transient AccessDecision decision;
  private final String resource;
  private final String action;

  /**
   * @throws IllegalArgumentException when {@code decision} allowed access
   */
  public JitAccessDeniedException(AccessDecision decision, @Nullable String resource, String action) {
    super(JitAccessDenial.describe(decision, resource, action));
    this.decision = decision;
    this.resource = resource;
    this.action = action;
  }

  @Override
  public AccessDecision decision() {
    return decision;
  }

  @Override
  @Nullable
  public String resource() {
    return resource;
  }

  @Override
  public String action() {
    return action;
  }
}
