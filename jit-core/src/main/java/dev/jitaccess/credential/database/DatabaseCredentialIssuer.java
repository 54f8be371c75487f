package dev.jitaccess.credential.database;

import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessException;
import dev.jitaccess.credential.Credential;
import dev.jitaccess.credential.CredentialIssuer;
import dev.jitaccess.internal.Validate;
import dev.jitaccess.store.GrantStore;
import jakarta.annotation.Nullable;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A database login per grant: made when the grant becomes effective, with the privileges its
 * {@link PrivilegeMapping} gives the grant's actions; moved with every extension; and at the grant's end locked,
 * cut off from every live session, and dropped.
 *
 * <pre>{@code
 * DatabaseCredentialIssuer logins = DatabaseCredentialIssuer.builder()
 *     .adminDataSource(adminPool)                  // a role allowed to create roles and end their sessions
 *     .jdbcUrl("jdbc:postgresql://db:5432/app")    // what the holder connects to
 *     .privileges(PrivilegeMapping.builder()
 *         .map("db/orders", "read", "GRANT SELECT ON orders TO {{name}}")
 *         .build())
 *     .grantStore(store)                           // the sweeper's view of which grants are effective
 *     .build();
 * }</pre>
 *
 * <p><b>No orphans.</b> With a grant store, a sweeper drops, at start (in {@code build()}) and every
 * {@code sweepInterval}, each login
 * with the prefix whose grant is not effective in the store: a crash after making a login, an instance down at
 * the grant's end, a drop that failed. It lists the logins before it reads the store, and the engine stores a
 * grant before it asks for its login, so a login made while the sweeper runs is never mistaken for an orphan.
 * Instances sharing a store may sweep at the same time: ending a login is idempotent, and one that another
 * instance dropped first counts as dropped.
 *
 * <p><b>Threads.</b> The engine's threads call {@link #issue}, {@link #extend} and {@link #invalidate}; the
 * sweeper runs on its own daemon thread. The issuer keeps no state per login (a name is recomputed from the grant
 * id), so these calls only share the data source and the database's own locking.
 *
 * <p>The password is returned in the {@link Credential} and nowhere else: not in exceptions (a failed
 * {@code CREATE} is reported without the driver's message, which may quote the statement), logs or audit events.
 */
public final class DatabaseCredentialIssuer implements CredentialIssuer, AutoCloseable {

  /** The {@link Credential#type()} of a database login. */
  public static final String TYPE = "database-login";
  /** The attribute holding the login's user name. */
  public static final String USER = "user";
  /** The attribute holding the JDBC URL the holder connects to. */
  public static final String JDBC_URL = "jdbcUrl";
  public static final String DEFAULT_PREFIX = "jit_";
  public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofMinutes(1);
  public static final Duration DEFAULT_SESSION_END_TIMEOUT = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(DatabaseCredentialIssuer.class);
  private static final int NOT_THERE = -1;
  private static final long SESSION_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final DataSource admin;
  private final DatabaseDialect dialect;
  private final String jdbcUrl;
  private final String prefix;
  private final PrivilegeMapping privileges;
  @Nullable private final GrantStore store;
  private final Clock clock;
  private final Duration sessionEndTimeout;
  @Nullable private final ScheduledExecutorService sweeper;
  private final AtomicLong orphansDropped = new AtomicLong();

  private DatabaseCredentialIssuer(Builder b, DatabaseDialect dialect) {
    this.admin = b.admin;
    this.dialect = dialect;
    this.jdbcUrl = b.jdbcUrl;
    this.prefix = b.prefix;
    this.privileges = b.privileges;
    this.store = b.store;
    this.clock = b.clock;
    this.sessionEndTimeout = b.sessionEndTimeout;
    if (store == null) {
      this.sweeper = null;
    } else {
      this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "jit-db-login-sweeper");
        t.setDaemon(true);
        return t;
      });
      long every = b.sweepInterval.toMillis();
      sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The login name of a grant: the prefix and a hash of the grant id. */
  public String loginName(String grantId) {
    return LoginNames.loginFor(prefix, Validate.id("grantId", grantId));
  }

  @Override
  public Credential issue(Grant grant) {
    String login = loginName(grant.id());
    List<String> statements = privileges.statementsFor(grant, dialect.grantee(login));
    String password = LoginNames.newPassword();
    try (Connection c = adminConnection()) {
      try {
        dialect.createLogin(c, login, password, grant.expiresAt());
      } catch (SQLException e) {
        // Not chained: a driver may quote the failed statement, and this one holds the password's verifier.
        throw new JitAccessException("could not create database login " + login + " for grant " + grant.id()
            + " (SQLState " + e.getSQLState() + ", error " + e.getErrorCode() + ")");
      }
      try {
        for (String sql : statements) {
          AdminSql.execute(c, sql);
        }
      } catch (SQLException | RuntimeException e) {
        endQuietly(c, login);
        throw new JitAccessException("could not give database login " + login + " the privileges of grant "
            + grant.id() + "; the login was dropped", e);
      }
    } catch (SQLException e) {
      throw new JitAccessException("could not reach the database to make a login for grant " + grant.id(), e);
    }
    log.info("database login {} made for grant {} until {}", login, grant.id(), grant.expiresAt());
    return Credential.of(grant.id(), TYPE, password, grant.expiresAt(), Map.of(USER, login, JDBC_URL, jdbcUrl));
  }

  /** The login's name, so the trail says which database user acted for the grant. */
  @Override
  public Map<String, String> auditDetails(Grant grant) {
    return Map.of("databaseLogin", loginName(grant.id()));
  }

  @Override
  public Credential extend(Grant grant, Credential credential) {
    String login = loginName(grant.id());
    try (Connection c = adminConnection()) {
      dialect.extendLogin(c, login, grant.expiresAt());
    } catch (SQLException e) {
      throw new JitAccessException("could not extend database login " + login + " of grant " + grant.id(), e);
    }
    return credential.withExpiresAt(grant.expiresAt());
  }

  @Override
  public void invalidate(Grant grant, Credential credential) {
    invalidateAndDescribe(grant, credential);
  }

  /** Drops the login; the end's audit event names it and the live sessions that were ended. */
  @Override
  public Map<String, String> invalidateAndDescribe(Grant grant, Credential credential) {
    String login = loginName(grant.id());
    try (Connection c = adminConnection()) {
      int sessions = end(c, login);
      if (sessions == NOT_THERE) {
        return Map.of("databaseLogin", login);
      }
      log.info("database login {} of grant {} dropped; {} live session(s) ended", login, grant.id(), sessions);
      return Map.of("databaseLogin", login, "sessionsTerminated", Integer.toString(sessions));
    } catch (SQLException e) {
      throw new JitAccessException("could not drop database login " + login + " of grant " + grant.id()
          + "; it stays locked if the lock went through, and is retried", e);
    }
  }

  /**
   * Drops every login with the prefix whose grant is not effective in the store; needs a grant store.
   *
   * @return how many logins it dropped
   * @throws JitAccessException when the database or the store cannot be read
   */
  public int sweep() {
    if (store == null) {
      throw new IllegalStateException("the sweeper needs a grant store: set DatabaseCredentialIssuer.Builder.grantStore");
    }
    try (Connection c = adminConnection()) {
      // Logins first, grants second: a login made after the listing is not looked at, and one made before it
      // belongs to a grant the store already holds.
      List<String> logins = dialect.loginsWithPrefix(c, prefix);
      if (logins.isEmpty()) {
        return 0;
      }
      Instant now = clock.instant();
      Set<String> owned = new HashSet<>();
      for (Grant grant : store.findActive()) {
        if (grant.isEffectiveAt(now)) {
          owned.add(LoginNames.loginFor(prefix, grant.id()));
        }
      }
      int dropped = 0;
      for (String login : logins) {
        if (!LoginNames.isOurs(prefix, login) || owned.contains(login)) {
          continue;
        }
        try {
          int sessions = end(c, login);
          if (sessions != NOT_THERE) {
            dropped++;
            orphansDropped.incrementAndGet();
            log.warn("database login {} had no effective grant and was dropped ({} live session(s) ended)", login,
                sessions);
          }
        } catch (SQLException e) {
          log.error("could not drop orphaned database login {}; the next sweep tries again", login, e);
        }
      }
      return dropped;
    } catch (SQLException e) {
      throw new JitAccessException("the database login sweeper could not list logins", e);
    }
  }

  /** How many orphaned logins the sweeps of this issuer dropped so far, the one at start included: worth a metric. */
  public long orphansDropped() {
    return orphansDropped.get();
  }

  /** Stops the sweeper. Logins stay as they are: the next instance's sweeper and the database's own expiry end them. */
  @Override
  public void close() {
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "DatabaseCredentialIssuer[" + dialect.name() + ", " + jdbcUrl + ", prefix " + prefix + "]";
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.error("the database login sweep failed; it runs again later", e);
    }
  }

  /**
   * Lock, end sessions, wait until they are gone, drop: locked first so that no session can start between the
   * other steps. Instances ending the same login take turns on an advisory lock, so exactly one finds it there.
   *
   * @return the sessions it ended, or {@link #NOT_THERE} when the login was gone already
   */
  private int end(Connection c, String login) throws SQLException {
    dialect.acquireAdvisoryLock(c, login);
    try {
      if (!dialect.exists(c, login)) {
        return NOT_THERE;
      }
      dialect.lockLogin(c, login);
      int sessions = dialect.terminateSessions(c, login);
      awaitNoSessions(c, login);
      dialect.dropLogin(c, login);
      return sessions;
    } finally {
      dialect.releaseAdvisoryLock(c, login);
    }
  }

  private void awaitNoSessions(Connection c, String login) throws SQLException {
    long deadline = System.nanoTime() + sessionEndTimeout.toNanos();
    while (dialect.hasSessions(c, login)) {
      if (System.nanoTime() - deadline > 0) {
        throw new SQLException("sessions of login " + login + " are still alive after " + sessionEndTimeout);
      }
      dialect.terminateSessions(c, login); // one may have been authenticating while the lock went in
      LockSupport.parkNanos(SESSION_POLL_NANOS);
    }
  }

  private void endQuietly(Connection c, String login) {
    try {
      end(c, login);
    } catch (SQLException | RuntimeException e) {
      log.error("could not drop database login {} after a failed grant; the sweeper will", login, e);
    }
  }

  private Connection adminConnection() throws SQLException {
    Connection c = admin.getConnection();
    if (!c.getAutoCommit()) {
      c.setAutoCommit(true);
    }
    return c;
  }

  /** Settings, each checked when set. Not thread-safe. */
  public static final class Builder {
    private DataSource admin;
    @Nullable private DatabaseDialect dialect;
    private String jdbcUrl;
    private String prefix = DEFAULT_PREFIX;
    private PrivilegeMapping privileges;
    @Nullable private GrantStore store;
    private Duration sweepInterval = DEFAULT_SWEEP_INTERVAL;
    private Duration sessionEndTimeout = DEFAULT_SESSION_END_TIMEOUT;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** Connections of a role allowed to create and drop roles and to end their sessions. Required. */
    public Builder adminDataSource(DataSource admin) {
      this.admin = Validate.notNull("adminDataSource", admin);
      return this;
    }

    /** The database's dialect; default detected from the admin data source's connection. */
    public Builder dialect(DatabaseDialect dialect) {
      this.dialect = Validate.notNull("dialect", dialect);
      return this;
    }

    /** The JDBC URL the holder connects to, handed over with the login; must not carry credentials. Required. */
    public Builder jdbcUrl(String jdbcUrl) {
      Validate.id("jdbcUrl", jdbcUrl);
      Validate.requireArgument(jdbcUrl.startsWith("jdbc:"), "jdbcUrl", Validate.show(jdbcUrl), "must start with jdbc:");
      if (jdbcUrl.toLowerCase(Locale.ROOT).contains("password")) {
        throw new IllegalArgumentException("jdbcUrl must not carry credentials: the login's own are handed over");
      }
      this.jdbcUrl = jdbcUrl;
      return this;
    }

    /** The start of every login name, {@code [a-z_][a-z0-9_]*} of at most 12 characters; default {@code jit_}. */
    public Builder loginPrefix(String prefix) {
      this.prefix = LoginNames.requirePrefix("loginPrefix", prefix);
      return this;
    }

    /** What each grant's login may do. Required. */
    public Builder privileges(PrivilegeMapping privileges) {
      this.privileges = Validate.notNull("privileges", privileges);
      return this;
    }

    /** The store the sweeper reads effective grants from; without one there is no sweeper. */
    public Builder grantStore(GrantStore store) {
      this.store = Validate.notNull("grantStore", store);
      return this;
    }

    /** How often the sweeper runs, 1 s to 1 day; default one minute. */
    public Builder sweepInterval(Duration interval) {
      Validate.duration("sweepInterval", interval); // "must be positive" first, as before
      this.sweepInterval = Validate.durationBetween("sweepInterval", interval, Duration.ofSeconds(1),
          Duration.ofDays(1), "must be from 1s to 1 day");
      return this;
    }

    /** How long ending a login waits for its sessions to go, 100 ms to 5 min; default 10 s. */
    public Builder sessionEndTimeout(Duration timeout) {
      Validate.duration("sessionEndTimeout", timeout); // "must be positive" first, as before
      this.sessionEndTimeout = Validate.durationBetween("sessionEndTimeout", timeout, Duration.ofMillis(100),
          Duration.ofMinutes(5), "must be from 100ms to 5 min");
      return this;
    }

    /** The clock the sweeper judges effectiveness by: the manager's. Default the system clock. */
    public Builder clock(Clock clock) {
      this.clock = Validate.notNull("clock", clock);
      return this;
    }

    /**
     * The issuer, its sweeper started when a store was given.
     *
     * @throws IllegalArgumentException naming a missing setting, or a prefix too long for the dialect
     * @throws JitAccessException when the dialect must be detected and the database cannot be reached
     */
    public DatabaseCredentialIssuer build() {
      Validate.notNull("adminDataSource", admin);
      Validate.notNull("jdbcUrl", jdbcUrl);
      Validate.notNull("privileges", privileges);
      DatabaseDialect chosen = dialect;
      if (chosen == null) {
        try (Connection c = admin.getConnection()) {
          chosen = DatabaseDialect.detect(c);
        } catch (SQLException e) {
          throw new JitAccessException("could not reach the admin data source to detect its dialect", e);
        }
      }
      int longest = prefix.length() + LoginNames.HASH_CHARS;
      Validate.requireArgument(longest <= chosen.maxLoginNameLength(), "loginPrefix", prefix,
          "makes names of " + longest + " characters, more than " + chosen.name() + " allows ("
              + chosen.maxLoginNameLength() + ")");
      DatabaseCredentialIssuer issuer = new DatabaseCredentialIssuer(this, chosen);
      if (store != null) {
        issuer.sweepQuietly(); // at start, before any login of this instance exists to be raced with
      }
      return issuer;
    }
  }
}
