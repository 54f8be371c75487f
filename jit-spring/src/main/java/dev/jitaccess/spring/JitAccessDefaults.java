package dev.jitaccess.spring;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import dev.jitaccess.spring.security.SecurityContextSubjectResolver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.ClassUtils;

/**
 * The defaults of the interceptor's collaborators under {@link EnableJitAccess}: a bean when there is one, else
 * what fits the classpath (the Boot auto-configuration declares those beans itself).
 */
final class JitAccessDefaults {

  private static final boolean SECURITY_PRESENT = ClassUtils.isPresent(
      "org.springframework.security.core.context.SecurityContextHolder", JitAccessDefaults.class.getClassLoader());

  private JitAccessDefaults() {}

  /** Whether Spring Security is on the classpath. */
  static boolean securityPresent() {
    return SECURITY_PRESENT;
  }

  /** The current authentication with Spring Security, else {@link SubjectResolver#NONE}. */
  static SubjectResolver subjectResolver() {
    return SECURITY_PRESENT ? Security.subjectResolver() : SubjectResolver.NONE;
  }

  /** Spring Security's exception with Spring Security, else {@link DenialExceptionFactory#PLAIN}. */
  static DenialExceptionFactory denialExceptionFactory() {
    return SECURITY_PRESENT ? Security.denialExceptionFactory() : DenialExceptionFactory.PLAIN;
  }

  /** An interceptor whose collaborators are looked up in {@code beans} on first use. */
  static JitAccessInterceptor interceptor(ObjectProvider<JitAccessManager> manager,
      ObjectProvider<SubjectResolver> subjects, ObjectProvider<DenialExceptionFactory> denials, int order) {
    return JitAccessInterceptor.builder(manager::getObject)
        .subjectResolver(() -> subjects.getIfUnique(JitAccessDefaults::subjectResolver))
        .denialExceptionFactory(() -> denials.getIfUnique(JitAccessDefaults::denialExceptionFactory))
        .order(order)
        .build();
  }

  /** Touches Spring Security types; loaded only when Security is present. */
  private static final class Security {
    static SubjectResolver subjectResolver() {
      return new SecurityContextSubjectResolver();
    }

    static DenialExceptionFactory denialExceptionFactory() {
      return JitAccessDeniedSecurityException.FACTORY;
    }
  }
}
