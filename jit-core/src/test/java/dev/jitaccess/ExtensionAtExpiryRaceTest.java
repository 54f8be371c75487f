package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An extension racing the moment its grant runs out: one thread extends while another moves the clock to the
 * grant's expiry and checks. Whatever the interleaving, the outcome must be one of the two sequential ones:
 * extended first (the check is allowed, so is every later one) or ran out first (the check is denied, the
 * extension is refused, no later check is allowed). The window between an extension reading the clock and
 * checks seeing the new expiry is a few instructions wide, so this runs many rounds
 * ({@code -Djit.extendrace.rounds}).
 */
class ExtensionAtExpiryRaceTest {

  private static final int ROUNDS = Integer.getInteger("jit.extendrace.rounds", 20_000);

  @Test
  void aGrantThatChecksSawRunOutIsNeverRevivedByAnExtensionThatRacedIt() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (EngineFixture f = new EngineFixture(
        b -> b.usageAudit(UsageAudit.NONE).deniedEventsPerMinute(0).maxActiveGrantsPerSubject(100_000)
            .auditSink(event -> { }))) {
      CyclicBarrier start = new CyclicBarrier(2);
      int extendedFirst = 0;
      int ranOutFirst = 0;
      for (int round = 0; round < ROUNDS; round++) {
        Grant grant = f.grant(EngineFixture.ALICE, "prod/r" + (round % 64), Duration.ofSeconds(60));
        Instant runsOut = grant.expiresAt();
        CompletableFuture<Boolean> extended = CompletableFuture.supplyAsync(() -> {
          await(start);
          try {
            f.jit.extend(grant.id(), Duration.ofSeconds(30), "race");
            return true;
          } catch (IllegalStateException ranOut) {
            return false;
          }
        }, pool);
        CompletableFuture<Boolean> checkedAtExpiry = CompletableFuture.supplyAsync(() -> {
          await(start);
          f.clock.set(runsOut);
          return f.jit.check(EngineFixture.ALICE, grant.resource(), "read").allowed();
        }, pool);
        boolean extensionTookEffect = extended.get(30, TimeUnit.SECONDS);
        boolean allowedAtExpiry = checkedAtExpiry.get(30, TimeUnit.SECONDS);
        boolean allowedAfter = f.jit.check(EngineFixture.ALICE, grant.resource(), "read").allowed();

        String history = "round " + round + ": extension " + (extensionTookEffect ? "took effect" : "refused")
            + ", check at the old expiry " + (allowedAtExpiry ? "allowed" : "denied")
            + ", check after both " + (allowedAfter ? "allowed" : "denied");
        assertThat(allowedAfter).as(history).isEqualTo(extensionTookEffect);
        if (!allowedAtExpiry) {
          assertThat(extensionTookEffect).as(history).isFalse();
        }
        if (extensionTookEffect) {
          extendedFirst++;
          f.jit.release(grant.id());
        } else {
          ranOutFirst++;
        }
      }
      // Both orders occur, or the race was not exercised.
      assertThat(extendedFirst).isPositive();
      assertThat(ranOutFirst).isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
