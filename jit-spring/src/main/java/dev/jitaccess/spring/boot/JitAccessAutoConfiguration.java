package dev.jitaccess.spring.boot;

import dev.jitaccess.ApproverDirectory;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.PersonKey;
import dev.jitaccess.audit.AuditHmac;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.CompositeAuditSink;
import dev.jitaccess.audit.JsonLinesAuditSink;
import dev.jitaccess.audit.Slf4jAuditSink;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.spring.DenialExceptionFactory;
import dev.jitaccess.spring.JitAccessInterceptor;
import dev.jitaccess.spring.SubjectResolver;
import dev.jitaccess.spring.security.JitAccessDeniedSecurityException;
import dev.jitaccess.spring.security.SecurityContextSubjectResolver;
import dev.jitaccess.spring.web.JitAccessProblemDetailsAdvice;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import jakarta.annotation.Nullable;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.config.AopConfigUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Spring Boot auto-configuration of jit-access: builds the {@link JitAccessManager} from {@code jit.access.*}
 * ({@link JitAccessProperties}) and the application's beans, and enforces {@code @RequiresAccess} and
 * {@code @ElevatedAccess}.
 *
 * <p>Every part can be replaced by declaring a bean of its type: {@link AccessPolicy} (default: the rules under
 * {@code jit.access.policy.rules}), {@link GrantStore} (default: in memory, or JDBC over the application's
 * {@code DataSource} with {@code jit.access.store.type=jdbc}), {@link AuditSink} (default: SLF4J, plus the
 * hash-chained file log when {@code jit.access.audit.file.directory} is set; several sinks are all written to), {@link JitAccessManager} itself, {@link SubjectResolver},
 * {@link DenialExceptionFactory}, {@link JitAccessInterceptor} and {@link JitAccessProblemDetailsAdvice}. Beans
 * the manager takes when present: a {@link CredentialIssuer}, {@link JitAccessListener}s, an
 * {@link ApproverDirectory}, a {@link PersonKey}, a {@link Clock} and {@link JitAccessManagerDecorator}s. Off with
 * {@code jit.access.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "jit.access", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(JitAccessProperties.class)
@Import(JitAccessAutoConfiguration.AutoProxyRegistrar.class)
public class JitAccessAutoConfiguration {

  private static final Logger log = LoggerFactory.getLogger(JitAccessAutoConfiguration.class);

  @Bean
  @ConditionalOnMissingBean(AccessPolicy.class)
  public AccessPolicy jitAccessPolicy(JitAccessProperties properties) {
    AccessPolicy policy = ConfiguredPolicy.from(properties.getPolicy());
    if (policy == ConfiguredPolicy.NO_RULES) {
      log.info("jit-access: no rules under jit.access.policy.rules and no AccessPolicy bean: every request is denied");
    }
    return policy;
  }

  @Bean
  @ConditionalOnMissingBean(GrantStore.class)
  @ConditionalOnProperty(prefix = "jit.access.store", name = "type", havingValue = "memory", matchIfMissing = true)
  public GrantStore jitAccessGrantStore() {
    return new InMemoryGrantStore();
  }

  /**
   * The SLF4J sink, unless the application brings its own sinks (the audit file of properties does not count).
   * With {@code jit.access.audit.file.hmac-key} it hashes what the file hashes.
   */
  @Bean
  @ConditionalOnMissingBean(value = AuditSink.class, ignored = JsonLinesAuditSink.class)
  @ConditionalOnProperty(prefix = "jit.access.audit.slf4j", name = "enabled", havingValue = "true",
      matchIfMissing = true)
  public AuditSink jitAccessAuditSink(JitAccessProperties properties) {
    AuditHmac hmac = auditHmac(properties);
    return hmac == null ? new Slf4jAuditSink() : new Slf4jAuditSink().withHmac(hmac);
  }

  /** The tamper-evident audit log, when {@code jit.access.audit.file.directory} is set. Closed after the manager. */
  @Bean
  @ConditionalOnMissingBean(JsonLinesAuditSink.class)
  @ConditionalOnProperty(prefix = "jit.access.audit.file", name = "directory")
  public JsonLinesAuditSink jitAccessAuditFile(JitAccessProperties properties, ObjectProvider<Clock> clock) {
    JitAccessProperties.File file = properties.getAudit().getFile();
    JsonLinesAuditSink.Builder builder = JsonLinesAuditSink.builder(file.getDirectory())
        .fileName(file.getFileName())
        .durability(file.getDurability())
        .maxFileSize(file.getMaxFileSize().toBytes());
    if (file.getRotateEvery() != null) {
      builder.rotateEvery(file.getRotateEvery());
    }
    byte[] hmacKey = hmacKey(properties);
    if (hmacKey != null) {
      builder.hmacKey(hmacKey);
    }
    clock.ifUnique(builder::clock);
    return builder.build();
  }

  /** The key of {@code jit.access.audit.file.hmac-key}, decoded; {@code null} when none is set. */
  @Nullable
  private static byte[] hmacKey(JitAccessProperties properties) {
    String key = properties.getAudit().getFile().getHmacKey();
    if (key == null || key.isBlank()) {
      return null;
    }
    try {
      return Base64.getDecoder().decode(key.trim());
    } catch (IllegalArgumentException notBase64) {
      throw new IllegalArgumentException("jit.access.audit.file.hmac-key is not base64: " + notBase64.getMessage());
    }
  }

  /**
   * How every output configured here (the audit file, the SLF4J sink, the actuator endpoint) hashes justifications
   * and reasons: with {@code jit.access.audit.file.hmac-key}; {@code null} when no key is set.
   */
  @Nullable
  static AuditHmac auditHmac(JitAccessProperties properties) {
    byte[] key = hmacKey(properties);
    return key == null ? null : AuditHmac.of(key);
  }

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(JitAccessManager.class)
  public JitAccessManager jitAccessManager(JitAccessProperties properties, AccessPolicy policy, GrantStore store,
      ObjectProvider<AuditSink> auditSinks, ObjectProvider<CredentialIssuer> credentialIssuer,
      ObjectProvider<JitAccessListener> listeners, ObjectProvider<ApproverDirectory> approverDirectory,
      ObjectProvider<PersonKey> personKey, ObjectProvider<Clock> clock, ObjectProvider<JitAccessManagerDecorator> decorators) {
    JitAccessManager.Builder builder = JitAccessManager.builder()
        .policy(policy)
        .store(store)
        .tick(properties.getTick())
        .usageAudit(properties.getUsageAudit())
        .expiryWarning(properties.getExpiryWarning())
        .deniedEventsPerMinute(properties.getDeniedEventsPerMinute())
        .stalenessBound(properties.getStalenessBound())
        .maxActiveGrantsPerSubject(properties.getLimits().getMaxActiveGrantsPerSubject())
        .maxPendingRequestsPerSubject(properties.getLimits().getMaxPendingRequestsPerSubject())
        .maxJustificationLength(properties.getLimits().getMaxJustificationLength())
        .maxActionsPerRequest(properties.getLimits().getMaxActionsPerRequest());
    List<AuditSink> sinks = auditSinks.orderedStream().toList();
    if (sinks.size() == 1) {
      builder.auditSink(sinks.get(0));
    } else if (sinks.size() > 1) {
      builder.auditSink(CompositeAuditSink.allOf(sinks));
    }
    credentialIssuer.ifUnique(builder::credentialIssuer);
    listeners.orderedStream().forEach(builder::listener);
    approverDirectory.ifUnique(builder::approverDirectory);
    personKey.ifUnique(builder::personKey);
    clock.ifUnique(builder::clock);
    JitAccessManager manager = builder.build();
    for (JitAccessManagerDecorator decorator : decorators.orderedStream().toList()) {
      manager = decorator.decorate(manager);
    }
    return manager;
  }

  /**
   * The advisor. Infrastructure, and static, so it exists before other beans are proxied; it looks its
   * collaborators up on first use.
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  @ConditionalOnMissingBean(JitAccessInterceptor.class)
  public static JitAccessInterceptor jitAccessInterceptor(ObjectProvider<JitAccessManager> manager,
      ObjectProvider<SubjectResolver> subjects, ObjectProvider<DenialExceptionFactory> denials,
      Environment environment) {
    // Without beans of these types (Spring Security absent and none declared): nobody, plain exceptions.
    return JitAccessInterceptor.builder(manager::getObject)
        .subjectResolver(() -> subjects.getIfUnique(() -> SubjectResolver.NONE))
        .denialExceptionFactory(() -> denials.getIfUnique(() -> DenialExceptionFactory.PLAIN))
        .order(environment.getProperty("jit.access.order", Integer.class, JitAccessInterceptor.DEFAULT_ORDER))
        .build();
  }

  /** The JDBC store over the application's {@code DataSource}, with {@code jit.access.store.type=jdbc}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(prefix = "jit.access.store", name = "type", havingValue = "jdbc")
  static class JdbcStoreConfiguration {

    @Bean
    @ConditionalOnMissingBean(GrantStore.class)
    GrantStore jitAccessGrantStore(JitAccessProperties properties, ObjectProvider<DataSource> dataSource,
        ObjectProvider<Clock> clock) {
      DataSource source = dataSource.getIfUnique();
      if (source == null) {
        throw new IllegalStateException(
            "jit.access.store.type=jdbc needs one DataSource bean (or a GrantStore bean of your own)");
      }
      JitAccessProperties.Jdbc jdbc = properties.getStore().getJdbc();
      JdbcGrantStore.Builder builder = JdbcGrantStore.builder()
          .dataSource(source)
          .tablePrefix(jdbc.getTablePrefix())
          .createSchema(jdbc.isCreateSchema())
          .feedMode(jdbc.getFeedMode())
          .pollInterval(jdbc.getPollInterval())
          .heartbeat(jdbc.getHeartbeat())
          .changeLogRetention(jdbc.getChangeLogRetention());
      clock.ifUnique(builder::clock);
      JdbcGrantStore store = builder.build();
      return jdbc.isChangeFeed() ? store : store.withoutChangeFeed();
    }
  }

  /** With Spring Security: the caller is the current authentication, and refusals are Security exceptions. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.security.core.context.SecurityContextHolder")
  static class SecurityConfiguration {

    @Bean
    @ConditionalOnMissingBean(SubjectResolver.class)
    SubjectResolver jitAccessSubjectResolver() {
      return new SecurityContextSubjectResolver();
    }

    @Bean
    @ConditionalOnMissingBean(DenialExceptionFactory.class)
    DenialExceptionFactory jitAccessDenialExceptionFactory() {
      return JitAccessDeniedSecurityException.FACTORY;
    }
  }

  /** In a servlet web application: refusals become 403 with an RFC 9457 problem body. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
  @ConditionalOnClass(name = {"org.springframework.web.servlet.DispatcherServlet",
      "org.springframework.http.ProblemDetail"})
  static class ServletWebConfiguration {

    @Bean
    @ConditionalOnMissingBean(JitAccessProblemDetailsAdvice.class)
    JitAccessProblemDetailsAdvice jitAccessProblemDetailsAdvice() {
      return new JitAccessProblemDetailsAdvice();
    }
  }

  /** Makes sure an auto-proxy creator exists (Boot's AOP auto-configuration normally registers one). */
  static class AutoProxyRegistrar implements ImportBeanDefinitionRegistrar {
    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
      AopConfigUtils.registerAutoProxyCreatorIfNecessary(registry);
    }
  }
}
