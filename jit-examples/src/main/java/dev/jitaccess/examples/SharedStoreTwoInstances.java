package dev.jitaccess.examples;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.AccessRequest;
import dev.jitaccess.Grant;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.RequestOutcome;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.policy.AccessRule;
import dev.jitaccess.policy.RulePolicy;
import dev.jitaccess.store.jdbc.JdbcGrantStore;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Scenario 1 on two application instances that share one database: what one instance grants, the other allows;
 * what one revokes, the other denies at once; a grant that runs out expires exactly once, whichever instance
 * gets there first.
 *
 * <p>Each instance has its own {@link JdbcGrantStore} on its own connections, and its own change feed. By default
 * the database is an H2 file under {@code jit-examples/target/} (the feed polls the change log); give a
 * PostgreSQL JDBC URL as the argument to share a PostgreSQL database instead (the feed uses LISTEN/NOTIFY):
 *
 * <pre>
 * mvn -q -pl jit-examples -am -DskipTests package exec:java \
 *     -Dexample.main=dev.jitaccess.examples.SharedStoreTwoInstances \
 *     -Dexec.args="jdbc:postgresql://127.0.0.1:5432/test?user=postgres"
 * </pre>
 *
 * A real application gives the store its connection pool (HikariCP or its framework's) instead of the unpooled
 * data sources used here.
 */
public final class SharedStoreTwoInstances {

  private static final String ORDERS_DB = "prod/db/orders";
  private static final Duration WAIT = Duration.ofSeconds(10);

  private SharedStoreTwoInstances() {}

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : defaultH2Url();
    say("database: %s", url.replaceAll("password=[^&;]*", "password=***"));

    RulePolicy policy = RulePolicy.builder()
        .rule(AccessRule.builder("prod-db-oncall")
            .resources("prod/db/**")
            .actions("read", "write")
            .requesterGroups("sre")
            .maxDuration(Duration.ofMinutes(30))
            .justificationPattern("^(INC|CHG)-\\d+")
            .autoApprove()
            .build())
        .build();
    InMemoryAuditSink trailA = new InMemoryAuditSink();
    InMemoryAuditSink trailB = new InMemoryAuditSink();
    Subject alice = Subject.user("alice");
    Subject admin = Subject.user("security-admin");

    try (JdbcGrantStore storeA = store(url);
        JdbcGrantStore storeB = store(url);
        JitAccessManager a = JitAccessManager.builder().policy(policy).store(storeA).auditSink(trailA).build();
        JitAccessManager b = JitAccessManager.builder().policy(policy).store(storeB).auditSink(trailB).build()) {
      say("instance A and instance B each run a manager on a store of their own (feed: %s)", storeA.feedMode());

      step("1. Alice asks instance A for read access; instance B allows it too");
      Grant grant = ((RequestOutcome.Granted) a.request(request(alice, "INC-4711: orders stuck",
          Duration.ofMinutes(30)))).grant();
      say("A granted %s until %s", shortId(grant), grant.expiresAt());
      long ms = waitUntil(() -> b.isAllowed(alice, ORDERS_DB, "read"), "B to allow the grant made on A");
      say("B allows it %d ms later:", ms);
      show("B", b.check(alice, ORDERS_DB, "read"));

      step("2. The security admin revokes it on instance B; instance A denies at once");
      say("revoked on B: %s", b.revoke(grant.id(), admin, "credentials leaked in a chat"));
      ms = waitUntil(() -> !a.isAllowed(alice, ORDERS_DB, "read"), "A to deny the grant revoked on B");
      say("A denies it %d ms later:", ms);
      show("A", a.check(alice, ORDERS_DB, "read"));
      say("revoking it again on A changes nothing: %s", a.revoke(grant.id(), admin, "again"));

      step("3. A short grant (2 s) made on A runs out: both instances race to expire it, one wins");
      Grant shortGrant = ((RequestOutcome.Granted) a.request(request(alice, "INC-4712: one more look",
          Duration.ofSeconds(2)))).grant();
      waitUntil(() -> b.isAllowed(alice, ORDERS_DB, "read"), "B to allow the short grant");
      waitUntil(() -> expiredEvents(trailA, shortGrant) + expiredEvents(trailB, shortGrant) > 0,
          "the short grant to expire");
      show("A", a.check(alice, ORDERS_DB, "read"));
      show("B", b.check(alice, ORDERS_DB, "read"));
      int total = expiredEvents(trailA, shortGrant) + expiredEvents(trailB, shortGrant);
      say("EXPIRED events for it: %d on A, %d on B", expiredEvents(trailA, shortGrant),
          expiredEvents(trailB, shortGrant));
      if (total != 1) {
        throw new IllegalStateException("expected exactly one EXPIRED event, got " + total);
      }
    }

    step("4. The two audit trails: each instance wrote what it did");
    print("A", trailA);
    print("B", trailB);
  }

  private static JdbcGrantStore store(String url) {
    DataSource dataSource;
    if (url.startsWith("jdbc:postgresql:")) {
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL(url);
      dataSource = pg;
    } else if (url.startsWith("jdbc:h2:")) {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL(url);
      dataSource = h2;
    } else {
      throw new IllegalArgumentException("give a jdbc:postgresql: or jdbc:h2: URL, not " + url);
    }
    return JdbcGrantStore.builder()
        .dataSource(dataSource)
        .createSchema(true)                      // applies the shipped DDL (idempotent)
        .pollInterval(Duration.ofMillis(50))     // only used when polling (H2)
        .build();
  }

  /** An H2 file database under this module's target/ folder. */
  private static String defaultH2Url() throws URISyntaxException, java.io.IOException {
    Path classes = Paths.get(SharedStoreTwoInstances.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path target = Files.isDirectory(classes) ? classes.getParent() : Paths.get(System.getProperty("java.io.tmpdir"));
    Path folder = Files.createDirectories(target.resolve("shared-store-example"));
    return "jdbc:h2:file:" + folder.resolve("jit").toAbsolutePath() + ";DB_CLOSE_DELAY=-1";
  }

  private static AccessRequest request(Subject subject, String justification, Duration duration) {
    return AccessRequest.builder().subject(subject).groups(Set.of("sre")).resource(ORDERS_DB).actions("read")
        .duration(duration).justification(justification).build();
  }

  private static int expiredEvents(InMemoryAuditSink trail, Grant grant) {
    return (int) trail.events(AuditEventType.EXPIRED).stream().filter(e -> grant.id().equals(e.grantId())).count();
  }

  /** Waits (up to 10 s) until {@code condition} holds; returns how long it took, in milliseconds. */
  private static long waitUntil(BooleanSupplier condition, String what) throws InterruptedException {
    long start = System.nanoTime();
    long deadline = start + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      // The condition is another instance's view, which nothing here can be notified of: re-check every 0.1 ms,
      // which is also the resolution of the propagation time this example prints.
      LockSupport.parkNanos(100_000);
      if (Thread.interrupted()) {
        throw new InterruptedException("interrupted waiting for " + what);
      }
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void print(String instance, InMemoryAuditSink trail) {
    for (AuditEvent event : trail.events()) {
      if (event.type() == AuditEventType.ACCESS_DENIED) {
        continue; // the polling above denied a lot on purpose
      }
      say("%s: %-12s %s %s%s", instance, event.type(), event.subject(),
          event.grantId() == null ? "" : event.grantId().substring(0, 8),
          event.reason() == null ? "" : " (" + event.reason() + ")");
    }
  }

  private static void show(String instance, AccessDecision decision) {
    say(decision.allowed()
        ? instance + " check prod/db/orders: ALLOWED by grant " + decision.grantId().substring(0, 8)
        : instance + " check prod/db/orders: DENIED (" + decision.reason() + ")");
  }

  private static String shortId(Grant grant) {
    return grant.id().substring(0, 8);
  }

  private static void step(String title) {
    System.out.println();
    System.out.println("== " + title);
  }

  private static void say(String format, Object... args) {
    System.out.println("   " + String.format(format, args));
  }
}
