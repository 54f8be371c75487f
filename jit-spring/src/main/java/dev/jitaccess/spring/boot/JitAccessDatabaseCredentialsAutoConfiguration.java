package dev.jitaccess.spring.boot;

import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.credential.database.DatabaseCredentialIssuer;
import dev.jitaccess.credential.database.DatabaseDialect;
import dev.jitaccess.credential.database.PrivilegeMapping;
import dev.jitaccess.store.GrantStore;
import java.time.Clock;
import java.util.Locale;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * A {@link DatabaseCredentialIssuer} from {@code jit.access.credentials.database.*}, when {@code jdbc-url} is set
 * and the application has no {@link CredentialIssuer} of its own; the manager picks it up like any issuer. The
 * sweeper reads the application's {@link GrantStore}.
 */
@AutoConfiguration(before = JitAccessAutoConfiguration.class)
@ConditionalOnClass(name = "java.sql.Connection")
@ConditionalOnProperty(prefix = "jit.access.credentials.database", name = "jdbc-url")
@EnableConfigurationProperties(JitAccessDatabaseCredentialsProperties.class)
public class JitAccessDatabaseCredentialsAutoConfiguration {

  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(CredentialIssuer.class)
  public DatabaseCredentialIssuer jitAccessDatabaseCredentialIssuer(JitAccessDatabaseCredentialsProperties properties,
      BeanFactory beans, ObjectProvider<DataSource> dataSources, ObjectProvider<GrantStore> store,
      ObjectProvider<Clock> clock) {
    DataSource admin = properties.getAdminDataSource() != null
        ? beans.getBean(properties.getAdminDataSource(), DataSource.class)
        : dataSources.getIfUnique();
    if (admin == null) {
      throw new IllegalStateException("jit.access.credentials.database.admin-data-source must name the DataSource "
          + "bean of the admin role: there is no single DataSource to take");
    }
    PrivilegeMapping.Builder privileges = PrivilegeMapping.builder();
    for (int i = 0; i < properties.getPrivileges().size(); i++) {
      JitAccessDatabaseCredentialsProperties.Privilege p = properties.getPrivileges().get(i);
      try {
        privileges.map(p.getResources(), p.getAction(), p.getStatements().toArray(String[]::new));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("jit.access.credentials.database.privileges[" + i + "]." + e.getMessage());
      }
    }
    DatabaseCredentialIssuer.Builder builder = DatabaseCredentialIssuer.builder()
        .adminDataSource(admin)
        .jdbcUrl(properties.getJdbcUrl())
        .loginPrefix(properties.getLoginPrefix())
        .sweepInterval(properties.getSweepInterval())
        .sessionEndTimeout(properties.getSessionEndTimeout())
        .privileges(privileges.build())
        .clock(clock.getIfAvailable(Clock::systemUTC));
    if (properties.getDialect() != null) {
      builder.dialect(dialect(properties));
    }
    store.ifAvailable(builder::grantStore);
    return builder.build();
  }

  private static DatabaseDialect dialect(JitAccessDatabaseCredentialsProperties properties) {
    switch (properties.getDialect().toLowerCase(Locale.ROOT)) {
      case "postgresql":
        return properties.getGroupRole() == null
            ? DatabaseDialect.postgresql()
            : DatabaseDialect.postgresql(properties.getGroupRole());
      case "mariadb":
      case "mysql":
        return DatabaseDialect.mariadb();
      default:
        throw new IllegalArgumentException("jit.access.credentials.database.dialect must be postgresql or mariadb, got "
            + properties.getDialect());
    }
  }
}
