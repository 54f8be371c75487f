package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Revoke, release, extend and expiry racing on the same grants from two threads while the clock jumps:
 * exactly one terminal event per grant, no extension lost, no exception escapes.
 */
class RaceTest {

  private static final int GRANTS = Integer.getInteger("jit.race.grants", 100_000);
  private static final int BATCH = 500;

  @Test
  void endsAndExtensionsRacingWithExpiryKeepEveryGrantConsistent() throws Exception {
    // The store keeps every ended grant, so each can be inspected at the end.
    EngineFixture f = new EngineFixture(new dev.jitaccess.store.InMemoryGrantStore(2 * GRANTS),
        b -> b.usageAudit(UsageAudit.NONE).deniedEventsPerMinute(0).maxActiveGrantsPerSubject(BATCH));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    Map<String, Instant> lastExtension = new ConcurrentHashMap<>();
    List<String> all = new ArrayList<>();
    try {
      for (int done = 0; done < GRANTS; done += BATCH) {
        List<Grant> batch = new ArrayList<>();
        for (int i = 0; i < BATCH; i++) {
          batch.add(f.grant(Subject.user("u" + (i % 50)), "prod/r" + i, Duration.ofSeconds(60)));
        }
        batch.forEach(g -> all.add(g.id()));
        CyclicBarrier start = new CyclicBarrier(3);
        long seed = done;
        List<Future<?>> racers = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          int thread = t;
          racers.add(pool.submit(() -> {
            Random random = new Random(seed * 2 + thread);
            start.await();
            for (int i = 0; i < batch.size(); i++) {
              Grant g = batch.get(thread == 0 ? i : batch.size() - 1 - i);
              switch (random.nextInt(4)) {
                case 0 -> f.jit.revoke(g.id(), Subject.user("admin"), "race");
                case 1 -> f.jit.release(g.id());
                default -> {
                  try {
                    Grant extended = f.jit.extend(g.id(), Duration.ofSeconds(30), "race");
                    lastExtension.merge(g.id(), extended.expiresAt(), (a, b) -> a.isAfter(b) ? a : b);
                  } catch (IllegalStateException ended) {
                    // lost the race to an end: refused, as it must be
                  }
                }
              }
            }
            return null;
          }));
        }
        start.await();
        f.clock.advance(Duration.ofSeconds(60)); // the expiry thread joins the race
        for (Future<?> racer : racers) {
          racer.get(60, TimeUnit.SECONDS); // rethrows anything that escaped
        }
        f.clock.advance(Duration.ofHours(1)); // whatever is left runs out
      }
      await().pollInterval(Duration.ofMillis(10)).atMost(60, TimeUnit.SECONDS)
          .until(() -> f.store.findActive().isEmpty());
      await().pollInterval(Duration.ofMillis(10)).atMost(60, TimeUnit.SECONDS)
          .until(() -> terminalCounts(f).size() == all.size());

      Map<String, Long> terminal = terminalCounts(f);
      assertThat(terminal.values()).allMatch(count -> count == 1);
      for (String id : all) {
        Grant stored = f.store.findById(id).orElseThrow();
        Instant extendedTo = lastExtension.get(id);
        if (extendedTo != null) {
          assertThat(stored.expiresAt()).as("extension of %s", id).isEqualTo(extendedTo);
        }
      }
    } finally {
      pool.shutdownNow();
      f.close();
    }
  }

  private static Map<String, Long> terminalCounts(EngineFixture f) {
    return f.audit.events().stream()
        .filter(e -> e.type().reducesPrivilege())
        .collect(Collectors.groupingBy(AuditEvent::grantId, Collectors.counting()));
  }
}
