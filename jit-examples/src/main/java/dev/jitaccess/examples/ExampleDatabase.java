package dev.jitaccess.examples;

import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.database.DatabaseCredentialIssuer;
import dev.jitaccess.credential.database.DatabaseDialect;
import dev.jitaccess.credential.database.PrivilegeMapping;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.annotation.Nullable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The PostgreSQL server the examples make logins on: the one {@code JIT_EXAMPLE_POSTGRES_URL} names (an admin
 * role's URL, such as {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}), or else an embedded one started
 * for the run, so that the examples need nothing but a JDK and Maven. Each run works in a schema of its own, with
 * an {@code orders} table, and removes it at the end.
 */
final class ExampleDatabase implements AutoCloseable {

  static final String URL_ENV = "JIT_EXAMPLE_POSTGRES_URL";

  @Nullable private final EmbeddedPostgres embedded;
  private final DataSource admin;
  private final String adminUrl;
  final String schema = "jit_example_" + UUID.randomUUID().toString().substring(0, 8);

  private ExampleDatabase(@Nullable EmbeddedPostgres embedded, String adminUrl) {
    this.embedded = embedded;
    this.adminUrl = adminUrl;
    PGSimpleDataSource source = new PGSimpleDataSource();
    source.setURL(adminUrl);
    this.admin = source;
  }

  static ExampleDatabase start() {
    String url = System.getenv(URL_ENV);
    if (url != null && !url.isBlank()) {
      return prepared(new ExampleDatabase(null, url));
    }
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().setPGStartupWait(Duration.ofMinutes(2)).start();
      return prepared(new ExampleDatabase(pg, pg.getJdbcUrl("postgres", "postgres")));
    } catch (IOException e) {
      throw new UncheckedIOException("could not start an embedded PostgreSQL; set " + URL_ENV + " to use a server", e);
    }
  }

  private static ExampleDatabase prepared(ExampleDatabase db) {
    db.execute("CREATE SCHEMA " + db.schema,
        "CREATE TABLE " + db.schema + ".orders (id INT PRIMARY KEY, item TEXT, amount NUMERIC)",
        "INSERT INTO " + db.schema + ".orders VALUES (1, 'book', 12.50), (2, 'lamp', 40.00)");
    return db;
  }

  /** Where a holder connects: the admin URL without its query, so without the admin's user. */
  String holderUrl() {
    int query = adminUrl.indexOf('?');
    return query < 0 ? adminUrl : adminUrl.substring(0, query);
  }

  /** An issuer on this database, whose logins may do what {@code privileges} says. */
  DatabaseCredentialIssuer issuer(PrivilegeMapping privileges) {
    return DatabaseCredentialIssuer.builder()
        .adminDataSource(admin)
        .dialect(DatabaseDialect.postgresql())
        .jdbcUrl(holderUrl())
        .privileges(privileges)
        .build();
  }

  /** Connects as a login the holder was given. */
  Connection connect(Credential login) throws SQLException {
    return DriverManager.getConnection(holderUrl(), user(login), login.secret());
  }

  /** The database user of a login the issuer made. */
  static String user(Credential login) {
    return login.attributes().get(DatabaseCredentialIssuer.USER);
  }

  void execute(String... statements) {
    try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("example database: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      execute("DROP SCHEMA " + schema + " CASCADE");
    } finally {
      if (embedded != null) {
        try {
          embedded.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }
}
