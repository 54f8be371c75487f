package dev.jitaccess.bench;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.policy.PolicyDecision;
import dev.jitaccess.store.GrantStore;
import dev.jitaccess.store.InMemoryGrantStore;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JDBC store against the in-memory one, through a manager:
 *
 * <ul>
 *   <li>{@link #check}: the hot path with a warm mirror. The manager never queries the database on a check, so
 *       the JDBC stores should match the in-memory one (the ratio is the point);</li>
 *   <li>{@link #grant}: grants per second, each one audited (to a no-op sink) and stored in its own transaction
 *       with its change log row (and {@code pg_notify} on PostgreSQL), the change feed running.</li>
 * </ul>
 *
 * {@code store=postgresql} needs {@code JIT_TEST_POSTGRES_URL} (e.g.
 * {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}) and works in a schema of its own, dropped at the
 * end; {@code store=h2} uses an in-memory H2 database. The H2 driver must be on the benchmark classpath, and
 * pgjdbc (an optional dependency of jit-core) for PostgreSQL. Connections are bound to threads (a minimal pool).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class JdbcStoreBenchmark {

  static final int SUBJECTS = 1024;
  static final String RESOURCE = "prod/db/orders";
  static final AuditSink NO_AUDIT = event -> { };

  @Param({"memory", "h2", "postgresql"})
  public String store;

  private final List<AutoCloseable> resources = new CopyOnWriteArrayList<>();
  private String schema;
  private String baseUrl;
  private JitAccessManager jit;
  private Subject[] subjects;
  private final AtomicLong requests = new AtomicLong();
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws SQLException {
    GrantStore grants = switch (store) {
      case "memory" -> new InMemoryGrantStore();
      case "h2" -> jdbc(new ThreadBoundDataSource("jdbc:h2:mem:bench-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
      case "postgresql" -> postgres();
      default -> throw new IllegalArgumentException("store " + store);
    };
    jit = JitAccessManager.builder()
        .policy(request -> PolicyDecision.allow("bench", request.duration()))
        .store(grants)
        .auditSink(NO_AUDIT)
        .build();
    resources.add(0, jit);
    subjects = new Subject[SUBJECTS];
    for (int i = 0; i < SUBJECTS; i++) {
      subjects[i] = Subject.user("bench-" + i);
      grant(subjects[i]);
      if (!jit.check(subjects[i], RESOURCE, "read").allowed()) { // first use audited here, not measured
        throw new IllegalStateException("setup: not allowed");
      }
    }
  }

  private GrantStore jdbc(DataSource dataSource) {
    JdbcGrantStore jdbc = JdbcGrantStore.builder().dataSource(dataSource).createSchema(true).build();
    resources.add(jdbc);
    if (dataSource instanceof AutoCloseable closeable) {
      resources.add(closeable);
    }
    return jdbc;
  }

  private GrantStore postgres() throws SQLException {
    baseUrl = System.getenv("JIT_TEST_POSTGRES_URL");
    if (baseUrl == null || baseUrl.isBlank()) {
      throw new IllegalStateException("store=postgresql needs JIT_TEST_POSTGRES_URL");
    }
    schema = "jit_bench_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return jdbc(new ThreadBoundDataSource(baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema));
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    for (AutoCloseable resource : resources) {
      resource.close();
    }
    if (schema != null) {
      try (Connection c = DriverManager.getConnection(baseUrl); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA " + schema + " CASCADE");
      }
    }
  }

  private RequestOutcome grant(Subject subject) {
    return jit.request(AccessRequest.builder().subject(subject).resource(RESOURCE).actions("read")
        .duration(Duration.ofHours(12)).justification("INC-1: benchmark").build());
  }

  /** One allowed check of a subject with a grant, from a warm mirror: nanoseconds per check. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(SUBJECTS)
  public int check() {
    int allowed = 0;
    for (Subject subject : subjects) {
      AccessDecision decision = jit.check(subject, RESOURCE, "read");
      if (decision.allowed()) {
        allowed++;
      }
    }
    return allowed;
  }

  /** A new grant for a new subject, stored: grants per second (one thread). */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public RequestOutcome grant() {
    return grant(Subject.user("g-" + requests.incrementAndGet()));
  }

  /**
   * The smallest pool that is enough here: each thread keeps one connection (the benchmark thread, the feed
   * thread), whose {@code close} is ignored until the data source closes. java.sql only.
   */
  static final class ThreadBoundDataSource implements DataSource, AutoCloseable {
    private final String url;
    private final List<Connection> all = new CopyOnWriteArrayList<>();
    private final ThreadLocal<Connection> mine = new ThreadLocal<>();

    ThreadBoundDataSource(String url) {
      this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection c = mine.get();
      if (c == null || c.isClosed()) {
        Connection real = DriverManager.getConnection(url);
        all.add(real);
        c = (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                return null;
              }
              try {
                return method.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
        mine.set(c);
      }
      return c;
    }

    @Override
    public void close() throws SQLException {
      for (Connection c : all) {
        c.close();
      }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) { }

    @Override
    public void setLoginTimeout(int seconds) { }

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}
