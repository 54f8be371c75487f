package dev.jitaccess.spring.boot;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.spring.SubjectResolver;
import dev.jitaccess.spring.web.JitAccessApiController;
import dev.jitaccess.spring.web.JitAccessConsoleController;
import dev.jitaccess.store.GrantStore;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The self-service HTTP API ({@link JitAccessApiController}) and the console ({@link JitAccessConsoleController})
 * under {@code jit.access.web.path}, with {@code jit.access.web.enabled=true} in a servlet web application. Spring
 * Security is required: without it nobody is authenticated and nothing protects against CSRF, so startup fails
 * rather than serve an API that cannot tell who calls.
 */
@AutoConfiguration(after = JitAccessAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
@ConditionalOnProperty(prefix = "jit.access.web", name = "enabled", havingValue = "true")
@ConditionalOnBean(JitAccessManager.class)
@EnableConfigurationProperties(JitAccessWebProperties.class)
public class JitAccessWebAutoConfiguration {

  static final String SECURITY_WEB = "org.springframework.security.web.csrf.CsrfToken";

  /** With Spring Security: the API and the console. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {SECURITY_WEB, "org.springframework.security.core.context.SecurityContextHolder"})
  static class WebConfiguration {

    @Bean
    @ConditionalOnMissingBean(JitAccessApiController.class)
    JitAccessApiController jitAccessApiController(JitAccessManager jit, ObjectProvider<AccessPolicy> policy,
        ObjectProvider<SubjectResolver> subjects, ObjectProvider<GrantStore> store, ObjectProvider<Clock> clock,
        JitAccessWebProperties properties) {
      return new JitAccessApiController(jit, policy::getIfUnique, subjects.getIfUnique(() -> SubjectResolver.NONE),
          store::getIfUnique, clock.getIfUnique(Clock::systemUTC),
          SecurityAuthority.holding(properties.getAdminAuthority()));
    }

    @Bean
    @ConditionalOnMissingBean(JitAccessConsoleController.class)
    JitAccessConsoleController jitAccessConsoleController(ObjectProvider<SubjectResolver> subjects) {
      return new JitAccessConsoleController(subjects.getIfUnique(() -> SubjectResolver.NONE));
    }
  }

  /** Without Spring Security: a clear startup failure. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnMissingClass(SECURITY_WEB)
  static class MissingSecurityConfiguration {

    @Bean
    Object jitAccessWebNeedsSpringSecurity() {
      throw new IllegalStateException("jit.access.web.enabled=true needs Spring Security (spring-security-web and a"
          + " SecurityFilterChain that authenticates callers and keeps CSRF protection): without it the jit-access"
          + " HTTP API could not tell who calls. Add spring-boot-starter-security, or set jit.access.web.enabled=false");
    }
  }
}
