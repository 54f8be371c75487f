package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.GrantHandle;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.database.DatabaseCredentialIssuer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code jit.access.credentials.database.*}: a database login per grant without Java code. */
class DatabaseCredentialsAutoConfigurationTest {

  private static final String POSTGRES_ENV = "JIT_TEST_POSTGRES_URL";

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitAccessDatabaseCredentialsAutoConfiguration.class,
          JitAccessAutoConfiguration.class))
      .withPropertyValues(
          "jit.access.policy.rules[0].name=db",
          "jit.access.policy.rules[0].resources=db/orders",
          "jit.access.policy.rules[0].actions=read",
          "jit.access.policy.rules[0].max-duration=5m");

  @Test
  void withoutAJdbcUrlThereIsNoDatabaseIssuer() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(DatabaseCredentialIssuer.class));
  }

  @Test
  void aHostileTemplateFailsStartupNamingTheProperty() {
    runner.withBean(DataSource.class, PGSimpleDataSource::new)
        .withPropertyValues(
            "jit.access.credentials.database.jdbc-url=jdbc:postgresql://db/app",
            "jit.access.credentials.database.dialect=postgresql",
            "jit.access.credentials.database.privileges[0].resources=db/orders",
            "jit.access.credentials.database.privileges[0].action=read",
            "jit.access.credentials.database.privileges[0].statements=GRANT SELECT ON orders TO {{name}}; DROP TABLE x")
        .run(context -> assertThat(context).hasFailed().getFailure()
            .rootCause().hasMessageStartingWith("jit.access.credentials.database.privileges[0].template"));
  }

  @Test
  @EnabledIfEnvironmentVariable(named = POSTGRES_ENV, matches = ".+")
  void theManagerHandsOutALoginMadeFromThePropertiesAndDropsItOnRelease() {
    String adminUrl = System.getenv(POSTGRES_ENV);
    String holderUrl = adminUrl.contains("?") ? adminUrl.substring(0, adminUrl.indexOf('?')) : adminUrl;
    runner.withBean(DataSource.class, () -> {
          PGSimpleDataSource admin = new PGSimpleDataSource();
          admin.setURL(adminUrl);
          return admin;
        })
        .withPropertyValues(
            "jit.access.credentials.database.jdbc-url=" + holderUrl,
            "jit.access.credentials.database.login-prefix=jitboot_",
            "jit.access.credentials.database.privileges[0].resources=db/orders",
            "jit.access.credentials.database.privileges[0].action=read",
            "jit.access.credentials.database.privileges[0].statements=GRANT CONNECT ON DATABASE test TO {{name}}")
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(DatabaseCredentialIssuer.class);
          JitAccessManager jit = context.getBean(JitAccessManager.class);
          Credential login;
          try (GrantHandle handle = jit.acquire(AccessRequest.builder().subject(Subject.service("ci"))
              .resource("db/orders").actions("read").duration(Duration.ofMinutes(1)).justification("boot test")
              .build())) {
            login = handle.credential().orElseThrow();
            try (Connection c = DriverManager.getConnection(holderUrl,
                login.attributes().get(DatabaseCredentialIssuer.USER), login.secret())) {
              assertThat(c.isValid(5)).isTrue();
            }
          }
          Credential dropped = login;
          assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> DriverManager.getConnection(holderUrl,
              dropped.attributes().get(DatabaseCredentialIssuer.USER), dropped.secret()).close()))
              .isInstanceOf(java.sql.SQLException.class);
        });
  }
}
