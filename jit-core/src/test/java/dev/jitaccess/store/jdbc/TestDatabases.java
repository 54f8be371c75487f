package dev.jitaccess.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/** The databases the JDBC store tests run on: in-memory or file H2 always, PostgreSQL when the CI says where. */
final class TestDatabases {

  /** Set (by .ci/run) to a JDBC URL of a PostgreSQL database the tests may create schemas in. */
  static final String POSTGRES_ENV = "JIT_TEST_POSTGRES_URL";

  private TestDatabases() {}

  static String unique(String name) {
    return name + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  static DataSource h2(String url) {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL(url);
    return ds;
  }

  /** A fresh named in-memory H2 database that lives as long as the JVM. */
  static DataSource h2Memory(String name) {
    return h2("jdbc:h2:mem:" + unique(name) + ";DB_CLOSE_DELAY=-1");
  }

  /**
   * The tables of the shipped DDL as it was before the CHECK constraints: what an existing deployment has. The
   * constraints close each CREATE TABLE, so cutting them off gives the earlier statements.
   */
  static List<String> ddlBeforeChecks(JdbcDialect dialect, String prefix) {
    return JdbcGrantStore.ddlStatements(dialect, prefix).stream()
        .map(statement -> statement.replaceFirst(",\\s*CONSTRAINT [\\s\\S]*\\)\\s*$", "\n)"))
        .toList();
  }

  static String postgresUrl() {
    String url = System.getenv(POSTGRES_ENV);
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(POSTGRES_ENV + " is not set");
    }
    return url;
  }

  static String withParameters(String url, String parameters) {
    return url + (url.contains("?") ? "&" : "?") + parameters;
  }

  /** A pool of {@code size} connections to {@code url}. */
  static HikariDataSource pool(String url, String name, int size) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setPoolName(name);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5_000);
    return new HikariDataSource(config);
  }

  /**
   * A PostgreSQL schema of one test class's own, created on open and dropped with everything in it on close; its
   * connections use it as their search path.
   */
  static final class PostgresSchema implements AutoCloseable {
    final String name;
    private final String baseUrl;

    private PostgresSchema(String name, String baseUrl) {
      this.name = name;
      this.baseUrl = baseUrl;
    }

    /** Creates the schema; fails (never skips) when the database cannot be reached. */
    static PostgresSchema create(String purpose) throws SQLException {
      String name = unique("jit_test_" + purpose).toLowerCase(Locale.ROOT);
      String url = postgresUrl();
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
        s.execute("CREATE SCHEMA " + name);
      }
      return new PostgresSchema(name, url);
    }

    String url(String applicationName) {
      return withParameters(baseUrl, "currentSchema=" + name + "&ApplicationName=" + applicationName);
    }

    HikariDataSource pool(String applicationName, int size) {
      return TestDatabases.pool(url(applicationName), applicationName, size);
    }

    /** Unpooled: one physical connection per getConnection, as a change feed wants. */
    DataSource simple(String applicationName) {
      PGSimpleDataSource ds = new PGSimpleDataSource();
      ds.setURL(url(applicationName));
      return ds;
    }

    /** Terminates every backend of {@code applicationName}; returns how many. */
    int terminate(String applicationName) throws SQLException {
      try (Connection c = DriverManager.getConnection(baseUrl);
          var ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
              + "WHERE application_name = ? AND pid <> pg_backend_pid()")) {
        ps.setString(1, applicationName);
        try (var rs = ps.executeQuery()) {
          rs.next();
          return rs.getInt(1);
        }
      }
    }

    @Override
    public void close() throws SQLException {
      try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
      }
    }
  }

  /**
   * A data source a test can break: {@link #breakDown()} makes new connections fail, {@link #closeAll()} closes the
   * ones handed out (a dropped connection, as the driver sees it), {@link #heal()} lets connections through again.
   */
  static final class BreakableDataSource implements DataSource {
    private final DataSource delegate;
    private final List<Connection> handedOut = new CopyOnWriteArrayList<>();
    private volatile boolean broken;
    /** How many connections were refused while broken: a test can wait until something tried. */
    final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

    BreakableDataSource(DataSource delegate) {
      this.delegate = delegate;
    }

    void breakDown() {
      broken = true;
    }

    void heal() {
      broken = false;
    }

    void closeAll() {
      for (Connection c : handedOut) {
        try {
          c.close();
        } catch (SQLException e) {
          // already gone
        }
      }
      handedOut.clear();
    }

    @Override
    public Connection getConnection() throws SQLException {
      if (broken) {
        refused.incrementAndGet();
        throw new SQLException("the test broke this data source", "08001");
      }
      Connection c = delegate.getConnection();
      handedOut.removeIf(open -> {
        try {
          return open.isClosed();
        } catch (SQLException e) {
          return true;
        }
      });
      handedOut.add(c);
      return c;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return delegate.isWrapperFor(iface);
    }
  }
}
