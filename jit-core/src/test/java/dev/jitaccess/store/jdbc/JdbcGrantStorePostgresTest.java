package dev.jitaccess.store.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.GrantStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The store contract on PostgreSQL, in a schema of its own dropped afterwards. Runs when
 * {@value TestDatabases#POSTGRES_ENV} is set, and then fails if the database cannot be reached.
 */
@EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
class JdbcGrantStorePostgresTest extends GrantStoreContract {

  private static TestDatabases.PostgresSchema schema;
  private static HikariDataSource pool;
  private static JdbcGrantStore store;

  @BeforeAll
  static void createSchema() throws Exception {
    schema = TestDatabases.PostgresSchema.create("contract");
    pool = schema.pool("jit-contract", 8);
    store = JdbcGrantStore.builder().dataSource(pool).createSchema(true).build();
  }

  @AfterAll
  static void dropSchema() throws Exception {
    if (store != null) {
      store.close();
    }
    if (pool != null) {
      pool.close();
    }
    if (schema != null) {
      schema.close();
    }
  }

  @Override
  protected GrantStore createStore() {
    return store;
  }
}
