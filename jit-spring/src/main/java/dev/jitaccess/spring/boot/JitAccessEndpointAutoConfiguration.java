package dev.jitaccess.spring.boot;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.spring.actuate.JitAccessEndpoint;
import dev.jitaccess.spring.actuate.JitAccessEndpointWebExtension;
import dev.jitaccess.store.GrantStore;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/** The actuator endpoint {@code jitaccess} ({@link JitAccessEndpoint}), when Actuator is present and the endpoint available. */
@AutoConfiguration(after = JitAccessAutoConfiguration.class)
@ConditionalOnClass(name = {"org.springframework.boot.actuate.endpoint.annotation.Endpoint",
    "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
@ConditionalOnBean(JitAccessManager.class)
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
public class JitAccessEndpointAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(JitAccessEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = JitAccessEndpoint.class)
  public JitAccessEndpoint jitAccessEndpoint(JitAccessManager jit, ObjectProvider<GrantStore> store,
      ObjectProvider<Clock> clock) {
    return new JitAccessEndpoint(jit, store::getIfUnique, () -> clock.getIfUnique(Clock::systemUTC));
  }

  @Bean
  @ConditionalOnMissingBean(JitAccessEndpointWebExtension.class)
  @ConditionalOnBean(JitAccessEndpoint.class)
  @ConditionalOnAvailableEndpoint(endpoint = JitAccessEndpoint.class)
  public JitAccessEndpointWebExtension jitAccessEndpointWebExtension(JitAccessEndpoint endpoint) {
    return new JitAccessEndpointWebExtension(endpoint);
  }
}
