package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.store.InMemoryGrantStore;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The soak: many grants with random durations on the real clock, two threads checking and revoking for minutes.
 * Zero checks may be allowed after a grant's expiry, and once every grant has ended the heap must come back to
 * its baseline (no leak in the index, the wheel or the store). Not run by CI: {@code mvn -Psoak -pl jit-core test}
 * ({@code -Djit.soak.grants=1000000 -Djit.soak.minutes=5} for the full size).
 */
@Tag("soak")
class SoakTest {

  private static final int GRANTS = Integer.getInteger("jit.soak.grants", 1_000_000);
  private static final long MINUTES = Long.getLong("jit.soak.minutes", 3);

  @Test
  void manyGrantsOnTheRealClockNeverAllowAfterExpiryAndLeaveNothingBehind() throws Exception {
    long baseline = usedHeapAfterGc();
    AuditSink discard = event -> { };
    // Ended grants are not retained: a long-running process must not grow with its history.
    JitAccessManager jit = JitAccessManager.builder()
        .policy(EngineFixture.ALLOW_ALL).store(new InMemoryGrantStore(1)).auditSink(discard)
        .clock(Clock.systemUTC()).usageAudit(UsageAudit.NONE).deniedEventsPerMinute(0)
        .maxActiveGrantsPerSubject(100_000).build();
    long spanMillis = TimeUnit.MINUTES.toMillis(MINUTES);
    Random random = new Random(1);
    List<Grant> grants = new ArrayList<>(GRANTS);
    for (int i = 0; i < GRANTS; i++) {
      Duration duration = Duration.ofMillis(1000 + random.nextInt((int) spanMillis));
      grants.add(((RequestOutcome.Granted) jit.request(EngineFixture.request(
          Subject.user("u" + (i % 10_000)), "prod/r" + (i % 100), duration).build())).grant());
    }
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong allowedAfterExpiry = new AtomicLong();
    AtomicLong checks = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      int seed = t;
      Thread thread = new Thread(() -> {
        Random r = new Random(seed);
        while (running.get()) {
          Grant g = grants.get(r.nextInt(grants.size()));
          if (r.nextInt(1000) == 0) {
            jit.revoke(g.id(), Subject.user("admin"), "soak");
            continue;
          }
          // The engine's time is never behind a reading taken before the check (it keeps the largest seen), so an
          // allowed check with `before` at or after expiresAt allowed a grant that had run out. A reading taken after
          // the check would also count checks preempted between answering and reading the clock.
          long before = System.currentTimeMillis();
          AccessDecision decision = jit.check(g.subject(), g.resource(), "read");
          checks.incrementAndGet();
          if (decision.allowed() && before >= decision.grant().expiresAt().toEpochMilli()) {
            allowedAfterExpiry.incrementAndGet();
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    await().atMost(MINUTES + 2, TimeUnit.MINUTES).pollInterval(Duration.ofSeconds(1))
        .until(() -> jit.activeGrants(Subject.user("u0")).isEmpty()
            && grants.stream().noneMatch(g -> jit.grant(g.id()).filter(x -> !x.state().isTerminal()).isPresent()));
    running.set(false);
    for (Thread thread : threads) {
      thread.join();
    }
    jit.close();
    grants.clear();

    System.out.printf("soak: %d grants, %d checks, %d allowed after expiry%n", GRANTS, checks.get(),
        allowedAfterExpiry.get());
    assertThat(allowedAfterExpiry.get()).isZero();
    assertThat(usedHeapAfterGc()).as("heap after every grant ended (baseline %d)", baseline)
        .isLessThan(baseline + 32L * 1024 * 1024);
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
