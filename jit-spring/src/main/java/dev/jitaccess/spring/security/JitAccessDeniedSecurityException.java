package dev.jitaccess.spring.security;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.spring.DenialExceptionFactory;
import dev.jitaccess.spring.JitAccessDenial;
import jakarta.annotation.Nullable;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationDeniedException;

/**
 * The refusal of an annotated call when Spring Security is on the classpath: a Spring Security
 * {@link AuthorizationDeniedException} (so an {@code AccessDeniedException}) that carries the jit-access decision.
 *
 * <p>jit-access cannot make {@code JitAccessDeniedException} a Spring Security exception, since Security is an
 * optional dependency; instead the auto-configuration has the interceptor throw this type whenever Security is
 * present. So Security's own handling applies, as for its {@code @PreAuthorize}: in a web application its
 * {@code ExceptionTranslationFilter} sends an anonymous caller to the authentication entry point (401 or a login
 * page) and gives an authenticated one to the {@code AccessDeniedHandler} (403). {@link JitAccessDeniedHandler}
 * is such a handler that answers with an RFC 9457 problem body. Code that wants the decision whatever the
 * setup catches {@code RuntimeException} and uses {@link JitAccessDenial#find}.
 */
public class JitAccessDeniedSecurityException extends AuthorizationDeniedException implements JitAccessDenial {

  private static final long serialVersionUID = 1L;

  /** Makes this exception; what the auto-configuration uses with Spring Security. */
  public static final DenialExceptionFactory FACTORY = JitAccessDeniedSecurityException::new;

  private final transient AccessDecision decision;
  private final String resource;
  private final String action;

  /**
   * @throws IllegalArgumentException when {@code decision} allowed access
   */
  public JitAccessDeniedSecurityException(AccessDecision decision, @Nullable String resource, String action) {
    super(JitAccessDenial.describe(decision, resource, action), new AuthorizationDecision(false));
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
