package dev.jitaccess.store.jdbc;

import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import dev.jitaccess.Grant;
import dev.jitaccess.Subject;
import dev.jitaccess.audit.AuditEventType;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The other instance, in a JVM of its own: a manager on PostgreSQL that obeys commands on standard input.
 *
 * <pre>
 * grant SUBJECT MILLIS   -> "granted GRANT_ID"
 * allowed SUBJECT        -> "allowed" once a check of SUBJECT on prod/db/orders:read is allowed here
 * denied SUBJECT         -> "denied" once it is denied here
 * expired GRANT_ID       -> the number of EXPIRED events this instance wrote for the grant
 * quit
 * </pre>
 *
 * Arguments: the store's JDBC URL and the feed's JDBC URL.
 */
public final class SecondInstanceMain {

  private SecondInstanceMain() {}

  public static void main(String[] args) throws Exception {
    HikariDataSource pool = TestDatabases.pool(args[0], "second-jvm", 4);
    PGSimpleDataSource feedSource = new PGSimpleDataSource();
    feedSource.setURL(args[1]);
    TestDatabases.BreakableDataSource feed = new TestDatabases.BreakableDataSource(feedSource);
    JdbcGrantStore store = JdbcGrantStore.builder().dataSource(pool).feedDataSource(feed)
        .heartbeat(Duration.ofMillis(200)).build();
    Instance instance = new Instance("second-jvm", store, feed, Clock.systemUTC(), Duration.ofSeconds(2));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.out.println("ready");
    String line;
    while ((line = in.readLine()) != null) {
      String[] words = line.split(" ");
      switch (words[0]) {
        case "grant" -> {
          Grant g = instance.grant(Subject.user(words[1]), Duration.ofMillis(Long.parseLong(words[2])));
          System.out.println("granted " + g.id());
        }
        case "allowed" -> {
          waitFor(() -> instance.allowed(Subject.user(words[1])));
          System.out.println("allowed");
        }
        case "denied" -> {
          waitFor(() -> !instance.allowed(Subject.user(words[1])));
          System.out.println("denied");
        }
        case "expired" -> System.out.println(instance.events(words[1], AuditEventType.EXPIRED).size());
        case "quit" -> {
          instance.close();
          pool.close();
          System.out.println("bye");
          return;
        }
        default -> System.out.println("unknown command " + words[0]);
      }
    }
  }

  private static void waitFor(java.util.concurrent.Callable<Boolean> condition) {
    await().atMost(Duration.ofSeconds(20)).pollInSameThread().pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofNanos(100_000)).until(condition);
  }
}
