package dev.jitaccess.credential.database;

import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/** The contract on MariaDB (the MySQL dialect). */
@EnabledIfEnvironmentVariable(named = ServerDatabases.MARIADB_ENV, matches = ".+")
class MariaDbDatabaseCredentialTest extends DatabaseCredentialContract {

  private static HikariDataSource admin;

  @BeforeAll
  static void connect() {
    admin = ServerDatabases.pool(ServerDatabases.url(ServerDatabases.MARIADB_ENV), "mariadb-credential-admin");
  }

  @AfterAll
  static void disconnect() {
    admin.close();
  }

  @Override
  protected DataSource adminDataSource() {
    return admin;
  }

  @Override
  protected String holderJdbcUrl() {
    return ServerDatabases.withoutParameters(ServerDatabases.url(ServerDatabases.MARIADB_ENV));
  }

  @Override
  protected DatabaseDialect dialect() {
    return DatabaseDialect.mariadb();
  }
}
