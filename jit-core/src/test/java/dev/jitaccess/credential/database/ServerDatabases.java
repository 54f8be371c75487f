package dev.jitaccess.credential.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/** The real servers the credential tests run against, named by environment variables as in CI. */
final class ServerDatabases {

  static final String POSTGRES_ENV = "JIT_TEST_POSTGRES_URL";
  static final String MARIADB_ENV = "JIT_TEST_MARIADB_URL";

  private ServerDatabases() {}

  static String url(String env) {
    String url = System.getenv(env);
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(env + " is not set");
    }
    return url;
  }

  /** The URL without its query: what a holder connects to with the login's own user and password. */
  static String withoutParameters(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query);
  }

  static HikariDataSource pool(String url, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(name);
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    config.setConnectionTimeout(10_000);
    return new HikariDataSource(config);
  }
}
