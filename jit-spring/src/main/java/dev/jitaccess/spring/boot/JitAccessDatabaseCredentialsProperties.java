package dev.jitaccess.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * A database login per grant, under {@code jit.access.credentials.database}; on when {@code jdbc-url} is set.
 *
 * <pre>
 * jit:
 *   access:
 *     credentials:
 *       database:
 *         jdbc-url: jdbc:postgresql://db:5432/app
 *         admin-data-source: jitAdminDataSource
 *         privileges:
 *           - resources: db/orders
 *             action: read
 *             statements: GRANT SELECT ON orders TO {{name}}
 *           - resources: db/orders
 *             action: migrate
 *             statements:
 *               - GRANT USAGE, CREATE ON SCHEMA app TO {{name}}
 *               - GRANT SELECT ON app.orders TO {{name}}
 * </pre>
 */
@ConfigurationProperties(prefix = "jit.access.credentials.database")
public class JitAccessDatabaseCredentialsProperties {

  /** The JDBC URL a grant's holder connects to with its login (without credentials); setting it turns this on. */
  private String jdbcUrl;

  /** The name of the DataSource bean of a role allowed to create roles and end their sessions; default the only DataSource. */
  private String adminDataSource;

  /** The dialect: postgresql or mariadb (also MySQL 8); default detected from the admin connection. */
  private String dialect;

  /** PostgreSQL: a group role every login joins, for pg_hba.conf and shared privileges; none by default. */
  private String groupRole;

  /** The start of every login name, [a-z_][a-z0-9_]* of at most 12 characters. */
  private String loginPrefix = "jit_";

  /** How often the sweeper drops logins whose grant is not effective in the grant store. */
  private Duration sweepInterval = Duration.ofMinutes(1);

  /** How long ending a login waits for its live sessions to go. */
  private Duration sessionEndTimeout = Duration.ofSeconds(10);

  /** What each grant's login may do: per resource pattern and action, statements using the placeholder {{name}}. */
  private List<Privilege> privileges = new ArrayList<>();

  /** One entry of the privilege mapping. */
  public static class Privilege {
    /** The resource pattern the entry applies to (a grant of a pattern needs an entry with the same pattern). */
    private String resources;
    /** The action the entry applies to. */
    private String action;
    /** The statements, each naming the login as {{name}}; no quotes, comments or ';'. */
    private List<String> statements = new ArrayList<>();

    public String getResources() {
      return resources;
    }

    public void setResources(String resources) {
      this.resources = resources;
    }

    public String getAction() {
      return action;
    }

    public void setAction(String action) {
      this.action = action;
    }

    public List<String> getStatements() {
      return statements;
    }

    public void setStatements(List<String> statements) {
      this.statements = statements;
    }
  }

  public String getJdbcUrl() {
    return jdbcUrl;
  }

  public void setJdbcUrl(String jdbcUrl) {
    this.jdbcUrl = jdbcUrl;
  }

  public String getAdminDataSource() {
    return adminDataSource;
  }

  public void setAdminDataSource(String adminDataSource) {
    this.adminDataSource = adminDataSource;
  }

  public String getDialect() {
    return dialect;
  }

  public void setDialect(String dialect) {
    this.dialect = dialect;
  }

  public String getGroupRole() {
    return groupRole;
  }

  public void setGroupRole(String groupRole) {
    this.groupRole = groupRole;
  }

  public String getLoginPrefix() {
    return loginPrefix;
  }

  public void setLoginPrefix(String loginPrefix) {
    this.loginPrefix = loginPrefix;
  }

  public Duration getSweepInterval() {
    return sweepInterval;
  }

  public void setSweepInterval(Duration sweepInterval) {
    this.sweepInterval = sweepInterval;
  }

  public Duration getSessionEndTimeout() {
    return sessionEndTimeout;
  }

  public void setSessionEndTimeout(Duration sessionEndTimeout) {
    this.sessionEndTimeout = sessionEndTimeout;
  }

  public List<Privilege> getPrivileges() {
    return privileges;
  }

  public void setPrivileges(List<Privilege> privileges) {
    this.privileges = privileges;
  }
}
