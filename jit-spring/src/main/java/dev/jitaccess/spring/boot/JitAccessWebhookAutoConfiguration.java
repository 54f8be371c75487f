package dev.jitaccess.spring.boot;

import dev.jitaccess.audit.AuditHmac;
import dev.jitaccess.notify.WebhookNotifier;
import dev.jitaccess.notify.WebhookSignature;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.annotation.Nullable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * One {@link WebhookNotifier} bean, {@code jitAccessWebhook.<name>}, per entry of
 * {@code jit.access.notify.webhooks} ({@link JitAccessNotifyProperties}). Being {@code JitAccessListener}s, the
 * auto-configured manager listens through them; being created before it, they are closed after it, so the
 * manager's last events are still sent (for at most each one's {@code drain-timeout}). Bad settings stop the
 * startup with a message that names the property; it never shows a secret, nor a URL's path (a Slack URL's path
 * is its secret). A URL in plain http to a host other than the loopback interface is refused unless the
 * webhook's {@code allow-insecure-http} is set. Justifications, comments and reasons are hashed as the audit
 * hashes them when {@code jit.access.audit.file.hmac-key} is set. With Micrometer, the counter
 * {@code jit.webhook.dead.letters} (tag {@code webhook}, the name) counts what could not be delivered.
 */
@AutoConfiguration(before = JitAccessAutoConfiguration.class)
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
@Import(JitAccessWebhookAutoConfiguration.Registrar.class)
public class JitAccessWebhookAutoConfiguration {

  /** The prefix of the notifiers' bean names; the rest is the webhook's name. */
  public static final String BEAN_NAME_PREFIX = "jitAccessWebhook.";

  private static final String PREFIX = "jit.access.notify.webhooks.";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  /** The dead-letter counter of every configured webhook, when Micrometer is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
  static class Metrics {

    @Bean
    @ConditionalOnMissingBean(name = "jitAccessWebhookMetrics")
    MeterBinder jitAccessWebhookMetrics(ListableBeanFactory beans) {
      return registry -> beans.getBeansOfType(WebhookNotifier.class).forEach((bean, notifier) -> {
        if (bean.startsWith(BEAN_NAME_PREFIX)) {
          FunctionCounter.builder("jit.webhook.dead.letters", notifier, WebhookNotifier::deadLetters)
              .description("Webhook deliveries given up: failed for good, refused by a full queue or unsent on close")
              .tag("webhook", bean.substring(BEAN_NAME_PREFIX.length()))
              .register(registry);
        }
      });
    }
  }

  /**
   * Registers the notifiers' definitions from the bound properties. Bound here rather than as a
   * {@code @ConfigurationProperties} bean, which the actuator's {@code configprops} would show, secrets included.
   */
  static class Registrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, BeanFactoryAware {

    private Environment environment;
    private BeanFactory beans;

    @Override
    public void setEnvironment(Environment environment) {
      this.environment = environment;
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
      this.beans = beanFactory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
      JitAccessNotifyProperties properties = Binder.get(environment)
          .bind("jit.access.notify", Bindable.of(JitAccessNotifyProperties.class))
          .orElseGet(JitAccessNotifyProperties::new);
      properties.getWebhooks().forEach((name, webhook) -> {
        if (!NAME.matcher(name).matches()) {
          throw new IllegalArgumentException(PREFIX + name + ": the name must be 1 to 63 lower-case letters, digits "
              + "and '-', starting with a letter or digit (it names a bean and tags a metric)");
        }
        AbstractBeanDefinition definition = BeanDefinitionBuilder
            .genericBeanDefinition(WebhookNotifier.class, () -> notifier(name, webhook,
                JitAccessAutoConfiguration.auditHmac(beans.getBean(JitAccessProperties.class)),
                beans.getBeanProvider(Clock.class).getIfUnique()))
            .setDestroyMethodName("close")
            .getBeanDefinition();
        registry.registerBeanDefinition(BEAN_NAME_PREFIX + name, definition);
      });
    }
  }

  /** The notifier of {@code webhooks.<name>}; an {@link IllegalArgumentException} names the property at fault. */
  static WebhookNotifier notifier(String name, JitAccessNotifyProperties.Webhook webhook, @Nullable AuditHmac hmac,
      @Nullable Clock clock) {
    String at = PREFIX + name + ".";
    if (webhook.getSecret() == null || webhook.getSecret().isEmpty()) {
      throw new IllegalArgumentException(at + "secret is required: receivers verify " + WebhookSignature.HEADER
          + " with it");
    }
    if (webhook.getUrl() == null && webhook.getAudiences().isEmpty()) {
      throw new IllegalArgumentException(at + "url (or a URL under " + at + "audiences) is required");
    }
    WebhookNotifier.Builder builder = WebhookNotifier.builder();
    set(at + "secret", builder, b -> b.secret(webhook.getSecret().getBytes(StandardCharsets.UTF_8)));
    if (webhook.getUrl() != null) {
      URI url = endpoint(at + "url", webhook.getUrl(), webhook.isAllowInsecureHttp(), at);
      set(at + "url", builder, b -> b.defaultEndpoint(url));
    }
    webhook.getAudiences().forEach((audience, value) -> {
      String key = at + "audiences." + audience.name().toLowerCase(Locale.ROOT);
      URI url = endpoint(key, value, webhook.isAllowInsecureHttp(), at);
      set(key, builder, b -> b.endpoint(audience, url));
    });
    set(at + "format", builder, b -> b.format(webhook.getFormat()));
    if (webhook.getConsoleBaseUrl() != null) {
      URI console = uri(at + "console-base-url", webhook.getConsoleBaseUrl());
      set(at + "console-base-url", builder, b -> b.consoleBaseUrl(console));
    }
    set(at + "queue-capacity", builder, b -> b.queueCapacity(webhook.getQueueCapacity()));
    set(at + "max-attempts", builder, b -> b.maxAttempts(webhook.getMaxAttempts()));
    set(at + "backoff", builder, b -> b.backoff(webhook.getBackoff().getInitial(), webhook.getBackoff().getMax()));
    set(at + "request-timeout", builder, b -> b.requestTimeout(webhook.getRequestTimeout()));
    set(at + "drain-timeout", builder, b -> b.drainTimeout(webhook.getDrainTimeout()));
    if (hmac != null) {
      builder.hmac(hmac);
    }
    if (clock != null) {
      builder.clock(clock);
    }
    return builder.build();
  }

  /** Calls one setter, so that its complaint names the property it came from. */
  private static void set(String property, WebhookNotifier.Builder builder, Consumer<WebhookNotifier.Builder> setter) {
    try {
      setter.accept(builder);
    } catch (IllegalArgumentException e) {
      // Not chained: the builder's message is all there is to it, and the root cause is what startup shows.
      throw new IllegalArgumentException(property + ": " + e.getMessage());
    }
  }

  private static URI uri(String property, String value) {
    try {
      return new URI(value.strip());
    } catch (URISyntaxException e) {
      // The reason and the index, not the input: a webhook URL may carry its secret.
      throw new IllegalArgumentException(property + " is not a URL: " + e.getReason() + " at index " + e.getIndex());
    }
  }

  /**
   * A URL deliveries are posted to: plain http only to the loopback interface unless allowed, since a body and
   * a Slack URL's path (its secret) then cross the network readable.
   */
  private static URI endpoint(String property, String value, boolean allowInsecureHttp, String at) {
    URI uri = uri(property, value);
    if ("http".equalsIgnoreCase(uri.getScheme()) && uri.getHost() != null && !allowInsecureHttp
        && !loopback(uri.getHost())) {
      throw new IllegalArgumentException(property + " is plain http to " + uri.getHost() + ": use https, or set "
          + at + "allow-insecure-http=true to accept that the deliveries travel readable");
    }
    return uri;
  }

  /** Loopback by its name or literal address alone: no lookup at startup, and no name that resolves elsewhere. */
  static boolean loopback(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.equals("[::1]") || h.matches("127(\\.\\d{1,3}){3}");
  }
}
