package dev.jitaccess.store.jdbc;

import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.GrantStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on an in-memory H2 database. */
class JdbcGrantStoreH2Test extends GrantStoreContract {

  private static JdbcGrantStore store;

  @BeforeAll
  static void createDatabase() {
    store = JdbcGrantStore.builder().dataSource(TestDatabases.h2Memory("contract")).createSchema(true).build();
  }

  @AfterAll
  static void closeStore() {
    store.close();
  }

  @Override
  protected GrantStore createStore() {
    return store;
  }
}
