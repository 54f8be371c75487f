package dev.jitaccess.spring.boot;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.spring.actuate.JitAccessEndpoint;
import dev.jitaccess.spring.actuate.JitAccessEndpointWebExtension;
import dev.jitaccess.store.GrantStore;
import java.security.Principal;
import java.time.Clock;
import java.util.function.Predicate;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.util.ClassUtils;

/**
 * The actuator endpoint {@code jitaccess} ({@link JitAccessEndpoint}), when Actuator is present and the endpoint
 * available. Revocation, once allowed, needs a Spring Security authentication holding
 * {@code jit.access.actuator.revoke-authority}; justifications are hashed with {@code jit.access.audit.file.hmac-key}.
 */
@AutoConfiguration(after = JitAccessAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
    "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
@ConditionalOnBean(JitAccessManager.class)
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(JitAccessProperties.class)
public class JitAccessEndpointAutoConfiguration {

  private static final String AUTHENTICATION = "org.springframework.security.core.Authentication";

  @Bean
  @ConditionalOnMissingBean(JitAccessEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = JitAccessEndpoint.class)
  public JitAccessEndpoint jitAccessEndpoint(JitAccessManager jit, ObjectProvider<GrantStore> store,
      ObjectProvider<Clock> clock, JitAccessProperties properties) {
    return new JitAccessEndpoint(jit, store::getIfUnique, () -> clock.getIfUnique(Clock::systemUTC),
        mayRevoke(properties.getActuator().getRevokeAuthority()), JitAccessAutoConfiguration.auditHmac(properties));
  }

  /** Without Spring Security a principal carries no authorities, so nobody may revoke. */
  private static Predicate<Principal> mayRevoke(String authority) {
    if (authority == null || authority.isBlank()) {
      throw new IllegalArgumentException("jit.access.actuator.revoke-authority must not be blank");
    }
    if (!ClassUtils.isPresent(AUTHENTICATION, JitAccessEndpointAutoConfiguration.class.getClassLoader())) {
      return principal -> false;
    }
    return SecurityAuthority.holding(authority);
  }

  @Bean
  @ConditionalOnMissingBean(JitAccessEndpointWebExtension.class)
  @ConditionalOnBean(JitAccessEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = JitAccessEndpoint.class)
  public JitAccessEndpointWebExtension jitAccessEndpointWebExtension(JitAccessEndpoint endpoint) {
    return new JitAccessEndpointWebExtension(endpoint);
  }
}
