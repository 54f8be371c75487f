package dev.jitaccess.store.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;

/**
 * The databases the {@link JdbcGrantStore} knows. The statements it runs are standard SQL; a dialect names the
 * shipped DDL and how other instances hear of changes.
 */
public enum JdbcDialect {

  /**
   * PostgreSQL 11 or later. Changes are announced with {@code pg_notify} in the writing transaction; the feed
   * listens with {@code LISTEN} when the pgjdbc driver is on the classpath, and polls the change log otherwise.
   */
  POSTGRESQL("postgresql.sql", true),

  /** H2 2.x, embedded, file or server mode. The feed polls the change log. */
  H2("h2.sql", false);

  private final String ddl;
  private final boolean notifies;

  JdbcDialect(String ddl, boolean notifies) {
    this.ddl = ddl;
    this.notifies = notifies;
  }

  /**
   * The classpath resource with this dialect's DDL, with the placeholder {@code ${prefix}} for the table
   * prefix: {@code /dev/jitaccess/store/jdbc/postgresql.sql} or {@code /dev/jitaccess/store/jdbc/h2.sql}.
   */
  public String ddlResource() {
    return "/dev/jitaccess/store/jdbc/" + ddl;
  }

  /** Whether writes announce themselves with {@code pg_notify}. */
  boolean notifies() {
    return notifies;
  }

  /**
   * The dialect of the database behind {@code metaData}.
   *
   * @throws IllegalStateException if it is neither PostgreSQL nor H2
   */
  static JdbcDialect detect(DatabaseMetaData metaData) throws SQLException {
    String product = metaData.getDatabaseProductName();
    String name = product == null ? "" : product.toLowerCase(Locale.ROOT);
    if (name.contains("postgresql")) {
      return POSTGRESQL;
    }
    if (name.equals("h2")) {
      return H2;
    }
    throw new IllegalStateException("the JDBC grant store supports PostgreSQL and H2, not " + product
        + "; name a dialect explicitly if this database speaks one of theirs");
  }
}
