package dev.jitaccess.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Enforces {@link RequiresAccess} and {@link ElevatedAccess} in a plain Spring application (Spring Boot does it
 * through its auto-configuration; no need for this there). Registers the {@link JitAccessInterceptor} as an
 * infrastructure advisor and, if none is there yet, an auto-proxy creator.
 *
 * <pre>{@code
 * @Configuration
 * @EnableJitAccess
 * class AccessConfig {
 *   @Bean JitAccessManager jitAccessManager() { return JitAccessManager.builder().policy(policy()).build(); }
 * }
 * }</pre>
 *
 * <p>The context must hold one {@code JitAccessManager} bean. The interceptor also uses the
 * {@link SubjectResolver} and {@link DenialExceptionFactory} beans when there are any; otherwise, with Spring
 * Security on the classpath, the current authentication and Security exceptions, and without it
 * {@link SubjectResolver#NONE} (every call denied) and {@link JitAccessDeniedException}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(JitAccessRegistrar.class)
public @interface EnableJitAccess {

  /** Whether proxies are made by subclassing (CGLIB) rather than for interfaces; applies to all auto-proxies. */
  boolean proxyTargetClass() default false;

  /** The advisor's order among other advice; see {@link JitAccessInterceptor#DEFAULT_ORDER}. */
  int order() default JitAccessInterceptor.DEFAULT_ORDER;
}
