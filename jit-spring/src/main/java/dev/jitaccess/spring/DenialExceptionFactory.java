package dev.jitaccess.spring;

import dev.jitaccess.AccessDecision;
import jakarta.annotation.Nullable;

/**
 * Makes the exception an annotated call is refused with. The default makes a {@link JitAccessDeniedException};
 * with Spring Security the auto-configuration declares one that makes a Spring Security
 * {@code AuthorizationDeniedException}. Declare a bean of this type to throw your own.
 */
@FunctionalInterface
public interface DenialExceptionFactory {

  /** Makes {@link JitAccessDeniedException}s. */
  DenialExceptionFactory PLAIN = JitAccessDeniedException::new;

  /** The exception for a denied {@code decision}; it should carry the decision ({@link JitAccessDenial}). */
  RuntimeException create(AccessDecision decision, @Nullable String resource, String action);
}
