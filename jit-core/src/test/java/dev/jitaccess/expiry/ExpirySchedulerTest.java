package dev.jitaccess.expiry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.jitaccess.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ExpirySchedulerTest {

  private static final Duration TICK = Duration.ofMillis(10);

  static final class Probe extends TimerWheel.Timer {
    final int id;
    final AtomicInteger fires = new AtomicInteger();
    volatile long firedAtClock = Long.MIN_VALUE;

    Probe(int id) {
      this.id = id;
    }
  }

  private final List<ExpiryScheduler> schedulers = new ArrayList<>();

  @AfterEach
  void closeSchedulers() {
    schedulers.forEach(ExpiryScheduler::close);
  }

  private static ConditionFactory waiting() {
    return await().atMost(5, TimeUnit.SECONDS).pollInterval(5, TimeUnit.MILLISECONDS);
  }

  private ExpiryScheduler scheduler(String name, java.util.function.LongSupplier clock, Consumer<Probe> onFire) {
    ExpiryScheduler scheduler = new ExpiryScheduler(name, TICK, clock, t -> onFire.accept((Probe) t));
    schedulers.add(scheduler);
    return scheduler;
  }

  private ExpiryScheduler systemClockScheduler(String name) {
    return scheduler(name, System::currentTimeMillis, p -> {
      p.firedAtClock = System.currentTimeMillis();
      p.fires.incrementAndGet();
    });
  }

  @Test
  void firesEachTimerExactlyOnceAndNotBeforeItsDeadline() {
    ExpiryScheduler scheduler = systemClockScheduler("expiry-once");
    List<Probe> probes = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 200; i++) {
      Probe probe = new Probe(i);
      scheduler.schedule(probe, now + (i % 50) * 4);
      probes.add(probe);
    }
    waiting().until(() -> probes.stream().allMatch(p -> p.fires.get() > 0));
    // A later sentinel: once it fired, any duplicate of the earlier ones would have fired too.
    Probe sentinel = new Probe(-1);
    scheduler.schedule(sentinel, System.currentTimeMillis() + 30);
    waiting().until(() -> sentinel.fires.get() == 1);
    assertThat(probes).allSatisfy(p -> {
      assertThat(p.fires.get()).isEqualTo(1);
      assertThat(p.firedAtClock).isGreaterThanOrEqualTo(p.deadline());
      assertThat(p.isScheduled()).isFalse();
    });
    assertThat(scheduler.size()).isZero();
  }

  @Test
  void cancelPreventsFiring() {
    ExpiryScheduler scheduler = systemClockScheduler("expiry-cancel");
    Probe cancelled = new Probe(1);
    Probe kept = new Probe(2);
    long now = System.currentTimeMillis();
    scheduler.schedule(cancelled, now + 50);
    scheduler.schedule(kept, now + 100);
    assertThat(scheduler.cancel(cancelled)).isTrue();
    assertThat(scheduler.cancel(cancelled)).isFalse();
    waiting().until(() -> kept.fires.get() == 1);
    assertThat(cancelled.fires.get()).isZero();
  }

  @Test
  void rescheduleLaterPostponesFiring() {
    ManualClock clock = new ManualClock();
    List<Probe> fired = new java.util.concurrent.CopyOnWriteArrayList<>();
    ExpiryScheduler scheduler = scheduler("expiry-postpone", clock::millis, fired::add);
    clock.addChangeListener(scheduler::wakeUp);
    long start = clock.millis();
    Probe extended = new Probe(1);
    scheduler.schedule(extended, start + Duration.ofMinutes(1).toMillis());
    scheduler.schedule(extended, start + Duration.ofMinutes(10).toMillis());
    Probe sentinel = new Probe(2);
    scheduler.schedule(sentinel, start + Duration.ofMinutes(5).toMillis());

    clock.advance(Duration.ofMinutes(5));
    waiting().until(() -> fired.contains(sentinel));
    assertThat(fired).containsExactly(sentinel);

    clock.advance(Duration.ofMinutes(5));
    waiting().until(() -> fired.contains(extended));
    assertThat(fired).containsExactly(sentinel, extended);
  }

  @Test
  void manualClockAdvanceWithWakeUpFiresTheDueTimers() {
    ManualClock clock = new ManualClock();
    Queue<Probe> fired = new ConcurrentLinkedQueue<>();
    ExpiryScheduler scheduler = scheduler("expiry-manual", clock::millis, fired::add);
    clock.addChangeListener(scheduler::wakeUp);
    Probe due = new Probe(1);
    Probe later = new Probe(2);
    scheduler.schedule(due, clock.millis() + Duration.ofMinutes(30).toMillis());
    scheduler.schedule(later, clock.millis() + Duration.ofMinutes(31).toMillis());
    Probe immediate = new Probe(3);
    scheduler.schedule(immediate, clock.millis()); // already due: fires without the clock moving
    waiting().until(() -> fired.contains(immediate));
    assertThat(fired).containsExactly(immediate);

    clock.advance(Duration.ofMinutes(30));
    waiting().until(() -> fired.contains(due));
    assertThat(fired).containsExactly(immediate, due);
    assertThat(scheduler.size()).isEqualTo(1);
  }

  @Test
  void clockSteppedBackDoesNotDelayTimersAlreadyDue() {
    ManualClock clock = new ManualClock();
    Queue<Probe> fired = new ConcurrentLinkedQueue<>();
    ExpiryScheduler scheduler = scheduler("expiry-back", clock::millis, fired::add);
    clock.addChangeListener(scheduler::wakeUp);
    Probe first = new Probe(1);
    scheduler.schedule(first, clock.millis() + 1_000);
    clock.advance(Duration.ofSeconds(1));
    waiting().until(() -> fired.contains(first));

    clock.advance(Duration.ofHours(-1));
    Probe second = new Probe(2);
    Probe stepped = new Probe(3);
    scheduler.schedule(second, clock.millis() + 2_000); // already due in the scheduler's time
    scheduler.schedule(stepped, clock.millis() + Duration.ofHours(2).toMillis());
    waiting().until(() -> fired.contains(second));
    assertThat(fired).containsExactly(first, second);
  }

  @Test
  void throwingCallbackDoesNotStopOthersOrTheThread() {
    Queue<Integer> fired = new ConcurrentLinkedQueue<>();
    ExpiryScheduler scheduler = scheduler("expiry-throwing", System::currentTimeMillis, p -> {
      fired.add(p.id);
      if (p.id % 2 == 0) {
        throw new IllegalStateException("boom " + p.id);
      }
    });
    long now = System.currentTimeMillis();
    for (int i = 0; i < 10; i++) {
      scheduler.schedule(new Probe(i), now + 5);
    }
    waiting().until(() -> fired.size() == 10);
    Probe after = new Probe(11);
    scheduler.schedule(after, System.currentTimeMillis() + 20);
    waiting().until(() -> fired.contains(11));
    assertThat(fired).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11);
  }

  @Test
  void aClockThatFailsForAWhileDoesNotStopTheThread() {
    AtomicInteger failuresLeft = new AtomicInteger(2);
    Queue<Integer> fired = new ConcurrentLinkedQueue<>();
    ExpiryScheduler scheduler = scheduler("expiry-failing-clock", () -> {
      if (failuresLeft.get() > 0 && Thread.currentThread().getName().equals("expiry-failing-clock")) {
        failuresLeft.decrementAndGet();
        throw new IllegalStateException("clock unavailable");
      }
      return System.currentTimeMillis();
    }, p -> fired.add(p.id));

    scheduler.schedule(new Probe(1), System.currentTimeMillis());

    waiting().until(() -> fired.contains(1));
    assertThat(failuresLeft.get()).isZero();
  }

  @Test
  void sizeCountsPendingTimersAndCancelSaysWhetherOneWasPending() {
    ExpiryScheduler scheduler = systemClockScheduler("expiry-size");
    Probe later = new Probe(1);
    Probe other = new Probe(2);
    long inAnHour = System.currentTimeMillis() + Duration.ofHours(1).toMillis();

    scheduler.schedule(later, inAnHour);
    scheduler.schedule(other, inAnHour);
    scheduler.schedule(later, inAnHour + 1);

    assertThat(scheduler.size()).isEqualTo(2);
    assertThat(scheduler.cancel(later)).isTrue();
    assertThat(scheduler.cancel(later)).isFalse();
    assertThat(scheduler.size()).isEqualTo(1);
  }

  @Test
  void closeStopsTheDaemonThreadAndIsIdempotent() {
    ExpiryScheduler scheduler = systemClockScheduler("expiry-close-test");
    Thread thread = findThread("expiry-close-test");
    assertThat(thread).isNotNull();
    assertThat(thread.isDaemon()).isTrue();
    scheduler.schedule(new Probe(1), System.currentTimeMillis() + Duration.ofHours(1).toMillis());
    scheduler.close();
    assertThat(thread.isAlive()).isFalse();
    scheduler.close();
    scheduler.wakeUp(); // harmless after close
  }

  @Test
  void scheduleAfterCloseThrows() {
    ExpiryScheduler scheduler = systemClockScheduler("expiry-closed");
    scheduler.close();
    assertThatThrownBy(() -> scheduler.schedule(new Probe(1), 0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeFromACallbackDoesNotDeadlock() {
    List<ExpiryScheduler> self = new ArrayList<>();
    CountDownLatch closed = new CountDownLatch(1);
    ExpiryScheduler scheduler = scheduler("expiry-self-close", System::currentTimeMillis, p -> {
      self.get(0).close();
      closed.countDown();
    });
    self.add(scheduler);
    Thread thread = findThread("expiry-self-close");
    scheduler.schedule(new Probe(1), System.currentTimeMillis());
    waiting().until(() -> closed.getCount() == 0 && !thread.isAlive());
  }

  @Test
  void constructorRejectsATickBelowOneMillisecond() {
    assertThatThrownBy(() -> new ExpiryScheduler("x", Duration.ofNanos(10), System::currentTimeMillis, t -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tick");
  }

  /**
   * Four threads schedule, reschedule (only after a successful cancel, so the old deadline cannot also
   * fire) and cancel while the expiry thread advances: none fires twice, none is lost, none fires early.
   */
  @Test
  void concurrentScheduleAndCancelNeitherLosesNorDuplicatesNorFiresEarly() throws Exception {
    Queue<String> violations = new ConcurrentLinkedQueue<>();
    ExpiryScheduler scheduler = scheduler("expiry-concurrent", System::currentTimeMillis, p -> {
      long now = System.currentTimeMillis();
      if (now < p.deadline()) {
        violations.add("timer " + p.id + " fired at " + now + " before " + p.deadline());
      }
      if (p.fires.incrementAndGet() > 1) {
        violations.add("timer " + p.id + " fired twice");
      }
    });
    int threads = 4;
    int perThread = 2_000;
    Probe[][] probes = new Probe[threads][perThread];
    boolean[][] cancelled = new boolean[threads][perThread];
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < threads; w++) {
      int worker = w;
      Thread thread = new Thread(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < perThread; i++) {
          Probe probe = new Probe(worker * perThread + i);
          probes[worker][i] = probe;
          scheduler.schedule(probe, System.currentTimeMillis() + random.nextInt(0, 150));
          // Act on an earlier timer of this worker, which may be firing right now.
          int j = random.nextInt(0, i + 1);
          Probe other = probes[worker][j];
          switch (random.nextInt(3)) {
            case 0:
              if (scheduler.cancel(other)) {
                cancelled[worker][j] = true;
              }
              break;
            case 1:
              if (scheduler.cancel(other)) {
                scheduler.schedule(other, System.currentTimeMillis() + random.nextInt(-20, 150));
              }
              break;
            default:
              break;
          }
        }
      }, "worker-" + w);
      workers.add(thread);
      thread.start();
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(TimeUnit.SECONDS.toMillis(30));
    }
    int expected = 0;
    for (int w = 0; w < threads; w++) {
      for (int i = 0; i < perThread; i++) {
        expected += cancelled[w][i] ? 0 : 1;
      }
    }
    int expectedFires = expected;
    waiting().until(() -> totalFires(probes) >= expectedFires);
    Probe sentinel = new Probe(-1);
    scheduler.schedule(sentinel, System.currentTimeMillis() + 20);
    waiting().until(() -> sentinel.fires.get() == 1);

    assertThat(violations).isEmpty();
    for (int w = 0; w < threads; w++) {
      for (int i = 0; i < perThread; i++) {
        assertThat(probes[w][i].fires.get()).as("timer %d", probes[w][i].id).isEqualTo(cancelled[w][i] ? 0 : 1);
      }
    }
    assertThat(scheduler.size()).isZero();
  }

  private static int totalFires(Probe[][] probes) {
    int total = 0;
    for (Probe[] row : probes) {
      for (Probe probe : row) {
        total += probe.fires.get();
      }
    }
    return total;
  }

  private static Thread findThread(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals(name))
        .findFirst()
        .orElse(null);
  }
}
