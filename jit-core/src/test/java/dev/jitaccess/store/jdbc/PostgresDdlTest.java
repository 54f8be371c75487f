package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.store.GrantStoreContract;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * The shipped PostgreSQL DDL's CHECK constraints (issue 12, item 9): they refuse a row the store could not read
 * back, and a database made by the DDL before them keeps working, its malformed rows left out. Runs when
 * {@value TestDatabases#POSTGRES_ENV} is set.
 */
@EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
class PostgresDdlTest {

  private static final String ROBOT = "UPDATE jit_grants SET subject_kind = 'ROBOT' WHERE id = 'bob-1'";

  private static JdbcGrantStore storeWithAliceAndBob(HikariDataSource pool) {
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(pool).createSchema(true).build();
    store.save(GrantStoreContract.grant("alice-1", Subject.user("alice")));
    store.save(GrantStoreContract.grant("bob-1", Subject.user("bob")));
    return store;
  }

  @Test
  void theConstraintsRefuseARowTheStoreCouldNotReadBack() throws Exception {
    try (TestDatabases.PostgresSchema schema = TestDatabases.PostgresSchema.create("ddl_checks");
        HikariDataSource pool = schema.pool("jit-ddl-checks", 2)) {
      storeWithAliceAndBob(pool).close();
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.executeUpdate(ROBOT)).isInstanceOf(SQLException.class)
            .hasMessageContaining("jit_grants_subject_kind");
        assertThatThrownBy(() -> s.executeUpdate("UPDATE jit_grants SET state = 'REVOKED' WHERE id = 'bob-1'"))
            .hasMessageContaining("jit_grants_ended");
        assertThatThrownBy(() -> s.executeUpdate("INSERT INTO jit_changes (kind, id, changed_at) VALUES ('X', 'x', 0)"))
            .hasMessageContaining("jit_changes_kind");
      }
    }
  }

  @Test
  void tablesFromTheDdlBeforeTheChecksStillStartAndTheirMalformedRowsAreLeftOut() throws Exception {
    try (TestDatabases.PostgresSchema schema = TestDatabases.PostgresSchema.create("ddl_before");
        HikariDataSource pool = schema.pool("jit-ddl-before", 2)) {
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        for (String statement : TestDatabases.ddlBeforeChecks(JdbcDialect.POSTGRESQL, "jit_")) {
          s.execute(statement);
        }
      }
      storeWithAliceAndBob(pool).close();
      try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
        assertThat(s.executeUpdate(ROBOT)).isEqualTo(1);
      }

      try (JdbcGrantStore store = JdbcGrantStore.builder().dataSource(pool).createSchema(true).build()) {
        assertThat(store.findActive()).extracting(Grant::id).containsExactly("alice-1");
        assertThat(store.malformedRecords()).isEqualTo(1);
      }
    }
  }
}
