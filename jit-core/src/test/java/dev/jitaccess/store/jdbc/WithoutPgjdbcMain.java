package dev.jitaccess.store.jdbc;

import static org.awaitility.Awaitility.await;

import dev.jitaccess.Subject;
import java.time.Clock;
import java.time.Duration;

/**
 * Run by {@link WithoutPgjdbcTest} in a JVM whose classpath lacks the pgjdbc driver: the store, its polling feed
 * and a manager must work all the same. Prints {@code ok}, or a failure and exits with 1.
 */
public final class WithoutPgjdbcMain {

  private WithoutPgjdbcMain() {}

  public static void main(String[] args) {
    try {
      try {
        Class.forName("org.postgresql.PGConnection");
        throw new AssertionError("pgjdbc is on this classpath; the test means to run without it");
      } catch (ClassNotFoundException expected) {
        // as meant
      }
      var source = TestDatabases.h2Memory("no_pgjdbc");
      try {
        JdbcGrantStore.builder().dataSource(source).createSchema(true)
            .feedMode(JdbcGrantStore.FeedMode.LISTEN_NOTIFY).build();
        throw new AssertionError("LISTEN_NOTIFY was accepted without pgjdbc");
      } catch (IllegalStateException expected) {
        // as meant
      }
      JdbcGrantStore a = JdbcGrantStore.builder().dataSource(source).createSchema(true)
          .pollInterval(Duration.ofMillis(10)).heartbeat(Duration.ofMillis(100)).build();
      JdbcGrantStore b = JdbcGrantStore.builder().dataSource(source).pollInterval(Duration.ofMillis(10))
          .heartbeat(Duration.ofMillis(100)).build();
      if (a.feedMode() != JdbcGrantStore.FeedMode.POLLING) {
        throw new AssertionError("feed mode " + a.feedMode());
      }
      try (Instance one = new Instance("one", a, null, Clock.systemUTC(), Duration.ofSeconds(2));
          Instance two = new Instance("two", b, null, Clock.systemUTC(), Duration.ofSeconds(2))) {
        Subject alice = Subject.user("alice");
        var grant = one.grant(alice, Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> two.allowed(alice));
        two.jit.revoke(grant.id(), Instance.ADMIN, "done");
        await().atMost(Duration.ofSeconds(20)).until(() -> !one.allowed(alice));
      }
      System.out.println("ok");
    } catch (Throwable t) {
      System.out.println("failed: " + t);
      t.printStackTrace();
      System.exit(1);
    }
  }
}
