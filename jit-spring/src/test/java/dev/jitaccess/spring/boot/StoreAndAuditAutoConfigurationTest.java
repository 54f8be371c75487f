package dev.jitaccess.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditLogVerifier;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.JsonLinesAuditSink;
import dev.jitaccess.audit.Slf4jAuditSink;
import dev.jitaccess.policy.AccessPolicy;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The store and audit-file conditions of the auto-configuration. */
class StoreAndAuditAutoConfigurationTest {

  private static final Subject ALICE = Subject.user("alice");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(JitAccessAutoConfiguration.class))
      .withBean(AccessPolicy.class, () -> RulePolicy.builder()
          .rule(AccessRule.builder("orders").resources("prod/db/**").actions("read")
              .maxDuration(Duration.ofHours(1)).autoApprove().build())
          .build());

  private static RequestOutcome request(JitAccessManager jit) {
    return jit.request(AccessRequest.builder().subject(ALICE).resource("prod/db/orders").actions("read")
        .duration(Duration.ofMinutes(10)).justification("INC-1 test").build());
  }

  private static DataSource h2() {
    JdbcDataSource dataSource = new JdbcDataSource();
    dataSource.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    return dataSource;
  }

  private static long rows(DataSource dataSource, String table) throws Exception {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  // ---------------------------------------------------------------- store

  @Test
  void theMemoryStoreByDefaultAndByName() {
    runner.run(context -> assertThat(context.getBean(GrantStore.class)).isInstanceOf(InMemoryGrantStore.class));
    runner.withPropertyValues("jit.access.store.type=memory")
        .run(context -> assertThat(context.getBean(GrantStore.class)).isInstanceOf(InMemoryGrantStore.class));
  }

  @Test
  void theJdbcStoreOverTheApplicationsDataSource() {
    DataSource dataSource = h2();
    runner.withBean(DataSource.class, () -> dataSource)
        .withPropertyValues("jit.access.store.type=jdbc", "jit.access.store.jdbc.create-schema=true",
            "jit.access.store.jdbc.table-prefix=acc_", "jit.access.store.jdbc.poll-interval=50ms")
        .run(context -> {
          assertThat(context).hasNotFailed();
          JdbcGrantStore store = context.getBean(JdbcGrantStore.class);
          assertThat(store.tablePrefix()).isEqualTo("acc_");
          assertThat(request(context.getBean(JitAccessManager.class))).isInstanceOf(RequestOutcome.Granted.class);
          assertThat(rows(dataSource, "acc_grants")).isEqualTo(1);
          assertThat(context.getBean(JitAccessManager.class).isAllowed(ALICE, "prod/db/orders", "read")).isTrue();
        });
  }

  @Test
  void theJdbcStoreWithoutChangeFeedForASingleInstance() {
    DataSource dataSource = h2();
    runner.withBean(DataSource.class, () -> dataSource)
        .withPropertyValues("jit.access.store.type=jdbc", "jit.access.store.jdbc.create-schema=true",
            "jit.access.store.jdbc.change-feed=false")
        .run(context -> {
          assertThat(context).doesNotHaveBean(JdbcGrantStore.class);
          assertThat(request(context.getBean(JitAccessManager.class))).isInstanceOf(RequestOutcome.Granted.class);
          assertThat(rows(dataSource, "jit_grants")).isEqualTo(1);
        });
  }

  @Test
  void theJdbcStoreNeedsADataSource() {
    runner.withPropertyValues("jit.access.store.type=jdbc").run(context -> {
      assertThat(context).hasFailed();
      assertThat(context.getStartupFailure()).hasStackTraceContaining("needs one DataSource bean");
    });
  }

  @Test
  void aUserStoreWinsOverTheJdbcProperty() {
    InMemoryGrantStore mine = new InMemoryGrantStore();
    runner.withBean(GrantStore.class, () -> mine).withPropertyValues("jit.access.store.type=jdbc")
        .run(context -> assertThat(context.getBean(GrantStore.class)).isSameAs(mine));
  }

  // ---------------------------------------------------------------- audit

  @Test
  void theAuditFileIsWrittenBesidesSlf4j(@TempDir Path dir) {
    runner.withPropertyValues("jit.access.audit.file.directory=" + dir, "jit.access.audit.file.durability=os-buffered",
            "jit.access.audit.file.max-file-size=1MB")
        .run(context -> {
          assertThat(context).hasSingleBean(JsonLinesAuditSink.class);
          assertThat(context).getBean("jitAccessAuditSink").isInstanceOf(Slf4jAuditSink.class);
          assertThat(context.getBean(JsonLinesAuditSink.class).durability())
              .isEqualTo(JsonLinesAuditSink.Durability.OS_BUFFERED);
          request(context.getBean(JitAccessManager.class));
        });
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    assertThat(files).isNotEmpty();
    assertThat(files).anySatisfy(f -> assertThat(f).content().contains("\"GRANTED\""));
    try {
      assertThat(AuditLogVerifier.verify(files).problem()).isNull();
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void reasonsAreHashedWithAKey(@TempDir Path dir) {
    String key = java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123".getBytes());
    runner.withPropertyValues("jit.access.audit.file.directory=" + dir, "jit.access.audit.file.hmac-key=" + key)
        .run(context -> request(context.getBean(JitAccessManager.class)));
    try (Stream<Path> list = Files.list(dir)) {
      assertThat(list.filter(p -> p.toString().endsWith(".jsonl")).toList()).allSatisfy(f ->
          assertThat(f).content().doesNotContain("INC-1 test"));
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void withAnHmacKeyNeitherTheLogNorTheEndpointShowsJustificationsInClear(@TempDir Path dir) {
    String key = java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123".getBytes());
    String justification = "INC-1234: customer 42 complained";
    String reason = "customer 42 asked us to stop";
    ch.qos.logback.classic.Logger auditLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Slf4jAuditSink.DEFAULT_LOGGER_NAME);
    ch.qos.logback.classic.Level level = auditLog.getLevel();
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
        new ch.qos.logback.core.read.ListAppender<>();
    lines.start();
    auditLog.setLevel(ch.qos.logback.classic.Level.INFO);
    auditLog.addAppender(lines);
    try {
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(JitAccessAutoConfiguration.class,
              JitAccessEndpointAutoConfiguration.class))
          .withBean(AccessPolicy.class, () -> RulePolicy.builder()
              .rule(AccessRule.builder("orders").resources("prod/db/orders").actions("read")
                  .maxDuration(Duration.ofHours(1)).autoApprove().build())
              .rule(AccessRule.builder("payments").resources("prod/db/payments").actions("read")
                  .maxDuration(Duration.ofHours(1)).requireApprovals(1).approvers(Subject.user("bob")).build())
              .build())
          .withPropertyValues("jit.access.audit.file.directory=" + dir, "jit.access.audit.file.hmac-key=" + key,
              "management.endpoints.web.exposure.include=jitaccess")
          .run(context -> {
            JitAccessManager jit = context.getBean(JitAccessManager.class);
            String hashedJustification = context.getBean(JsonLinesAuditSink.class).hmac(justification);
            String hashedReason = context.getBean(JsonLinesAuditSink.class).hmac(reason);
            RequestOutcome granted = jit.request(AccessRequest.builder().subject(ALICE).resource("prod/db/orders")
                .actions("read").duration(Duration.ofMinutes(10)).justification(justification).build());
            RequestOutcome pending = jit.request(AccessRequest.builder().subject(ALICE)
                .resource("prod/db/payments").actions("read").duration(Duration.ofMinutes(10))
                .justification(justification).build());
            assertThat(pending).isInstanceOf(RequestOutcome.Pending.class);
            String grantId = ((RequestOutcome.Granted) granted).grant().id();

            dev.jitaccess.spring.actuate.JitAccessEndpoint endpoint =
                context.getBean(dev.jitaccess.spring.actuate.JitAccessEndpoint.class);
            assertThat(endpoint.report().activeGrants()).singleElement()
                .satisfies(view -> assertThat(view.justification()).isEqualTo(hashedJustification));
            assertThat(endpoint.report().pendingRequests()).singleElement()
                .satisfies(view -> assertThat(view.justification()).isEqualTo(hashedJustification));
            assertThat(jit.revoke(grantId, Subject.user("carol"), reason)).isTrue();
            assertThat(endpoint.grant(grantId)).satisfies(view -> {
              assertThat(view.justification()).isEqualTo(hashedJustification);
              assertThat(view.endReason()).isEqualTo(hashedReason);
            });

            List<String> logged = lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .toList();
            assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("event=GRANTED")
                .contains("reason=" + hashedJustification));
            assertThat(logged).anySatisfy(line -> assertThat(line).startsWith("event=REVOKED")
                .contains("reason=" + hashedReason));
            assertThat(logged).noneSatisfy(line -> assertThat(line).contains("customer 42"));
          });
    } finally {
      auditLog.detachAppender(lines);
      auditLog.setLevel(level);
    }
  }

  @Test
  void slf4jCanBeTurnedOffAndUserSinksReplaceIt(@TempDir Path dir) {
    runner.withPropertyValues("jit.access.audit.slf4j.enabled=false", "jit.access.audit.file.directory=" + dir)
        .run(context -> {
          assertThat(context).doesNotHaveBean(Slf4jAuditSink.class);
          assertThat(context.getBeansOfType(AuditSink.class)).hasSize(1);
        });
    InMemoryAuditSink mine = new InMemoryAuditSink();
    runner.withBean(InMemoryAuditSink.class, () -> mine).run(context -> {
      assertThat(context).doesNotHaveBean("jitAccessAuditSink");
      request(context.getBean(JitAccessManager.class));
      assertThat(mine.events()).isNotEmpty();
    });
  }
}
