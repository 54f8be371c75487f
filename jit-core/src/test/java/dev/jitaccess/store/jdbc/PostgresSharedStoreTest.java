package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.store.GrantStoreContract;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Two instances on one PostgreSQL database, each with its own pool and its own listening connection; the feed
 * is LISTEN/NOTIFY, and a lost feed is a backend terminated with {@code pg_terminate_backend}. Runs when
 * {@value TestDatabases#POSTGRES_ENV} is set, and then fails if the database cannot be reached.
 */
@EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
class PostgresSharedStoreTest extends SharedJdbcStoreTests {

  private static TestDatabases.PostgresSchema schema;

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestDatabases.PostgresSchema.create("shared");
  }

  @AfterAll
  static void dropSchema() throws Exception {
    if (schema != null) {
      schema.close();
    }
  }

  @Test
  void aFeedOnAPooledConnectionListensTooAndHeartbeats() throws Exception {
    try (HikariDataSource pool = schema.pool("jit-pooled-feed", 3)) {
      JdbcGrantStore store = JdbcGrantStore.builder().dataSource(pool).createSchema(true)
          .heartbeat(Duration.ofMillis(100)).build();
      RecordingListener heard = new RecordingListener();
      try (AutoCloseable subscription = store.subscribe(heard)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> store.listeningFeeds() == 1 && heard.alives.get() >= 2);
        Grant g = GrantStoreContract.grant("pooled-" + UUID.randomUUID(), Subject.user("alice"));
        store.save(g);
        await().atMost(Duration.ofSeconds(20)).until(() -> heard.grants.contains(g.id()));
        assertThat(heard.resyncs).hasValue(1);
      } finally {
        store.close();
      }
    }
  }

  @Override
  String label() {
    return "PostgreSQL LISTEN/NOTIFY";
  }

  @Override
  DataSource storeDataSource(String instance) {
    return schema.pool("jit-" + instance, 4);
  }

  @Override
  DataSource feedDataSource(String instance) {
    return schema.simple("jit-feed-" + instance);
  }

  @Override
  void dropFeedConnection(Instance instance) throws Exception {
    assertThat(instance.store.feedMode()).isEqualTo(JdbcGrantStore.FeedMode.LISTEN_NOTIFY);
    assertThat(schema.terminate("jit-feed-" + instance.name)).isEqualTo(1);
  }
}
