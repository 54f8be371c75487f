package dev.jitaccess.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ManualClockTest {

  private static final Instant NEW_YEAR = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void startsAtNewYear2026InUtc() {
    ManualClock clock = new ManualClock();
    assertThat(clock.instant()).isEqualTo(NEW_YEAR);
    assertThat(clock.millis()).isEqualTo(NEW_YEAR.toEpochMilli());
    assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
  }

  @Test
  void timeMovesOnlyWhenTold() {
    ManualClock clock = new ManualClock(Instant.parse("2030-05-05T10:00:00Z"));
    assertThat(clock.instant()).isEqualTo(clock.instant()).isEqualTo(Instant.parse("2030-05-05T10:00:00Z"));
    clock.advance(Duration.ofMinutes(30));
    assertThat(clock.instant()).isEqualTo(Instant.parse("2030-05-05T10:30:00Z"));
  }

  @Test
  void advanceWhenNegativeThenStepsBack() {
    ManualClock clock = new ManualClock();
    clock.advance(Duration.ofSeconds(-90));
    assertThat(clock.instant()).isEqualTo(NEW_YEAR.minusSeconds(90));
  }

  @Test
  void setMovesForwardsAndBackwards() {
    ManualClock clock = new ManualClock();
    clock.set(NEW_YEAR.plus(Duration.ofDays(3)));
    assertThat(clock.instant()).isEqualTo(NEW_YEAR.plus(Duration.ofDays(3)));
    clock.set(NEW_YEAR.minusMillis(1));
    assertThat(clock.millis()).isEqualTo(NEW_YEAR.toEpochMilli() - 1);
  }

  @Test
  void listenersAreNotifiedAfterEachChangeAndSeeTheNewTime() {
    ManualClock clock = new ManualClock();
    List<Instant> seen = new ArrayList<>();
    clock.addChangeListener(() -> seen.add(clock.instant()));
    clock.advance(Duration.ofSeconds(5));
    clock.set(NEW_YEAR);
    clock.advance(Duration.ofSeconds(-1));
    assertThat(seen).containsExactly(NEW_YEAR.plusSeconds(5), NEW_YEAR, NEW_YEAR.minusSeconds(1));
  }

  @Test
  void throwingListenerDoesNotPreventOthersAndIsReportedAfterwards() {
    ManualClock clock = new ManualClock();
    AtomicInteger before = new AtomicInteger();
    AtomicInteger after = new AtomicInteger();
    clock.addChangeListener(before::incrementAndGet);
    clock.addChangeListener(() -> {
      throw new IllegalStateException("broken listener");
    });
    clock.addChangeListener(after::incrementAndGet);
    assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("broken listener");
    assertThat(before.get()).isEqualTo(1);
    assertThat(after.get()).isEqualTo(1);
    assertThat(clock.instant()).isEqualTo(NEW_YEAR.plusSeconds(1));
  }

  @Test
  void withZoneSharesTheSameTime() {
    ManualClock clock = new ManualClock();
    Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    clock.advance(Duration.ofHours(2));
    assertThat(paris.instant()).isEqualTo(NEW_YEAR.plus(Duration.ofHours(2)));
    assertThat(paris.millis()).isEqualTo(clock.millis());
    assertThat(clock.withZone(ZoneOffset.UTC)).isSameAs(clock);
    assertThat(paris.withZone(ZoneOffset.UTC)).isSameAs(clock);
  }

  @Test
  void concurrentAdvancesAreNotLost() throws InterruptedException {
    ManualClock clock = new ManualClock();
    AtomicInteger notifications = new AtomicInteger();
    clock.addChangeListener(notifications::incrementAndGet);
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int j = 0; j < 1_000; j++) {
          clock.advance(Duration.ofMillis(1));
        }
      });
      threads.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(clock.instant()).isEqualTo(NEW_YEAR.plusMillis(4_000));
    assertThat(notifications.get()).isEqualTo(4_000);
  }
}
