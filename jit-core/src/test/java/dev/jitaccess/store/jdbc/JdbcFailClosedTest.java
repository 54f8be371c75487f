package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.JitAccessException;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.store.GrantStoreException;
import java.time.Clock;
import java.time.Duration;
import javax.sql.DataSource;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A manager on a JDBC store whose database goes away: requests fail clearly, nothing half-granted, checks deny. */
class JdbcFailClosedTest {

  private final DataSource h2 = TestDatabases.h2Memory("fail_closed");
  private final TestDatabases.BreakableDataSource db = new TestDatabases.BreakableDataSource(h2);
  private final TestDatabases.BreakableDataSource feed = new TestDatabases.BreakableDataSource(h2);
  private Instance instance;

  @BeforeEach
  void start() {
    Awaitility.pollInSameThread();
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(db).feedDataSource(feed).createSchema(true)
        .pollInterval(Duration.ofMillis(10)).heartbeat(Duration.ofMillis(100)).build();
    instance = new Instance("only", store, feed, Clock.systemUTC(), Duration.ofSeconds(1));
  }

  @AfterEach
  void stop() {
    instance.close();
    Awaitility.reset();
  }

  @Test
  void aRequestFailsClearlyAndGrantsNothingWhileTheDatabaseIsDown() {
    Subject alice = Subject.user("alice");
    db.breakDown();

    assertThatThrownBy(() -> instance.grant(alice, Duration.ofMinutes(5)))
        .isInstanceOf(JitAccessException.class)
        .hasMessageContaining("nothing was granted")
        .hasCauseInstanceOf(GrantStoreException.class)
        .cause().hasMessageContaining("could not save grant");
    assertThat(instance.allowed(alice)).isFalse();

    db.heal();
    assertThat(instance.store.findActive()).isEmpty();
    assertThat(instance.audit.events(AuditEventType.GRANTED)).hasSize(1);
    assertThat(instance.audit.events(AuditEventType.REVOKED)).hasSize(1); // "never took effect"
    assertThat(instance.grant(alice, Duration.ofMinutes(5))).isNotNull();
    // Allowed at once, or after the next heartbeat when the feed's first resync ran into the outage.
    await().atMost(Duration.ofSeconds(20)).until(() -> instance.allowed(alice));
  }

  @Test
  void checksAreDeniedOnceTheDatabaseIsGoneLongerThanTheBoundAndAllowedWhenItIsBack() {
    Subject alice = Subject.user("alice");
    instance.grant(alice, Duration.ofHours(1));
    assertThat(instance.allowed(alice)).isTrue();

    db.breakDown();
    feed.breakDown();
    feed.closeAll();

    await().atMost(Duration.ofSeconds(20)).until(() -> instance.jit.check(alice, Instance.ORDERS, "read").reason(),
        reason -> reason != null && reason.contains("stale"));
    db.heal();
    feed.heal();
    await().atMost(Duration.ofSeconds(20)).until(() -> instance.allowed(alice));
  }
}
