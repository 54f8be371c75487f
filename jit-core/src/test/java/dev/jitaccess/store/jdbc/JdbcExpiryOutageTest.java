package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.Grant;
import dev.jitaccess.GrantState;
import dev.jitaccess.JitAccessListener;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, item 21, on a database: the database is down at the moment a grant expires. Once it is back the
 * expiry is written, audited and heard once, and the grant's credential is invalidated, with the change feed
 * and without it ({@link JdbcGrantStore#withoutChangeFeed()}).
 */
class JdbcExpiryOutageTest {

  @ParameterizedTest(name = "change feed {0}")
  @ValueSource(booleans = {true, false})
  void anExpiryDuringAnOutageIsWrittenHeardAndItsCredentialInvalidatedWhenTheDatabaseIsBack(boolean feed)
      throws Exception {
    DataSource h2 = TestDatabases.h2Memory("expiry_outage");
    TestDatabases.BreakableDataSource db = new TestDatabases.BreakableDataSource(h2);
    List<String> invalidated = new CopyOnWriteArrayList<>();
    List<String> expired = new CopyOnWriteArrayList<>();
    CredentialIssuer issuer = new CredentialIssuer() {
      @Override
      public Credential issue(Grant grant) {
        return Credential.of(grant.id(), "test", "s3cr3t-" + grant.id(), grant.expiresAt());
      }

      @Override
      public void invalidate(Grant grant, Credential credential) {
        invalidated.add(grant.id());
      }
    };
    ManualClock clock = new ManualClock();
    InMemoryAuditSink audit = new InMemoryAuditSink();
    try (JdbcGrantStore store = JdbcGrantStore.builder().dataSource(db).feedDataSource(h2).createSchema(true)
            .pollInterval(Duration.ofMillis(10)).heartbeat(Duration.ofMillis(100)).build();
        JitAccessManager jit = JitAccessManager.builder().policy(Instance.POLICY)
            .store(feed ? store : store.withoutChangeFeed()).auditSink(audit).clock(clock)
            .credentialIssuer(issuer).listener(new JitAccessListener() {
              @Override
              public void onExpired(Grant grant) {
                expired.add(grant.id());
              }
            }).build()) {
      Subject alice = Subject.user("alice");
      Grant grant = ((RequestOutcome.Granted) jit.request(Instance.request(alice, Duration.ofMinutes(1)).build()))
          .grant();

      db.breakDown();
      clock.advance(Duration.ofMinutes(1));
      await().until(() -> db.refused.get() > 0); // the expiry tried, and failed
      assertThat(jit.isAllowed(alice, Instance.ORDERS, "read")).isFalse();
      db.heal();
      clock.advance(Duration.ofMinutes(1)); // the retry runs on the engine's clock

      await().until(() -> store.findById(grant.id()).orElseThrow().state(), state -> state == GrantState.EXPIRED);
      await().until(() -> invalidated, list -> list.contains(grant.id()));
      await().until(() -> expired, list -> list.contains(grant.id()));
      assertThat(audit.events(AuditEventType.EXPIRED)).hasSize(1);
      assertThat(invalidated).containsExactly(grant.id());
    }
  }
}
