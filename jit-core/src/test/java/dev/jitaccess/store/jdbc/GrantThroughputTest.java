package dev.jitaccess.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jitaccess.Subject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Grants per second through a manager on the JDBC store (audit to memory, each grant one transaction with its
 * change row), printed as a figure and never asserted. PostgreSQL when {@value TestDatabases#POSTGRES_ENV} is set.
 */
class GrantThroughputTest {

  private static final int THREADS = 4;
  private static final int GRANTS_PER_THREAD = 500;

  @Test
  void grantsPerSecondOnH2() throws Exception {
    DataSource ds = TestDatabases.h2Memory("throughput");
    measure("H2 in-memory", ds, ds);
  }

  @Test
  @EnabledIfEnvironmentVariable(named = TestDatabases.POSTGRES_ENV, matches = ".+")
  void grantsPerSecondOnPostgres() throws Exception {
    try (TestDatabases.PostgresSchema schema = TestDatabases.PostgresSchema.create("throughput");
        var pool = schema.pool("jit-throughput", THREADS + 1)) {
      measure("PostgreSQL, pool of " + (THREADS + 1), pool, schema.simple("jit-throughput-feed"));
    }
  }

  private static void measure(String label, DataSource store, DataSource feed) throws Exception {
    JdbcGrantStore jdbc = JdbcGrantStore.builder().dataSource(store).feedDataSource(feed).createSchema(true).build();
    try (Instance instance = new Instance("throughput", jdbc, null, Clock.systemUTC(), Duration.ofSeconds(5))) {
      for (int i = 0; i < 200; i++) { // warm up
        instance.grant(Subject.user("warm-" + i), Duration.ofHours(1));
      }
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      long start = System.nanoTime();
      try {
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          workers.add(pool.submit(() -> {
            for (int i = 0; i < GRANTS_PER_THREAD; i++) {
              instance.grant(Subject.user("t" + thread + "-" + i), Duration.ofHours(1));
            }
            return null;
          }));
        }
        for (Future<?> worker : workers) {
          worker.get(5, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int grants = THREADS * GRANTS_PER_THREAD;
      System.out.printf("[%s] %d grants on %d threads in %.2f s: %.0f grants/s%n", label, grants, THREADS, seconds,
          grants / seconds);
      assertThat(jdbc.findActive()).hasSize(grants + 200);
    }
  }
}
