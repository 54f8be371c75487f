package dev.jitaccess.spring.boot;

import dev.jitaccess.spring.metrics.JitAccessMetrics;
import dev.jitaccess.store.GrantStore;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer metrics of jit-access ({@link JitAccessMetrics}) when Micrometer is on the classpath: a
 * {@code MeterBinder} bean, which Boot binds to its registry, also listening to the manager and wrapping it.
 */
@AutoConfiguration(after = JitAccessAutoConfiguration.class)
@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
public class JitAccessMetricsAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean(JitAccessMetrics.class)
  public JitAccessMetrics jitAccessMetrics(ObjectProvider<GrantStore> store, ObjectProvider<Clock> clock) {
    return new JitAccessMetrics(store::getIfUnique, () -> clock.getIfUnique(Clock::systemUTC));
  }

  @Bean
  @ConditionalOnMissingBean(name = "jitAccessMetricsDecorator")
  public JitAccessManagerDecorator jitAccessMetricsDecorator(JitAccessMetrics metrics) {
    return metrics::instrument;
  }
}
