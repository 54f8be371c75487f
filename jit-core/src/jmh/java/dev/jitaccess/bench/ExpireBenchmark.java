package dev.jitaccess.bench;

import dev.jitaccess.JitAccessManager;
import dev.jitaccess.audit.AuditEvent;
import dev.jitaccess.audit.AuditEventType;
import dev.jitaccess.audit.AuditSink;
import dev.jitaccess.audit.InMemoryAuditSink;
import dev.jitaccess.audit.JsonLinesAuditSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Firing. {@link Burst#expireBurst}: schedule {@code burst} timers due in one tick, then fire them all; the score
 * is per timer. Virtual-time implementations schedule at now + 1 ms and advance two ticks; real-clock ones
 * (ScheduledThreadPoolExecutor, Netty, our ExpiryScheduler) schedule with delay 0 and the caller waits until their
 * worker has fired every one (Netty fires at its next tick, so its score includes up to one tick of waiting).
 *
 * <p>{@link Spread#expireSpread}: 1e6 timers spread uniformly over an hour, then the hour is advanced in 1 s
 * steps; one op is the whole hour (single shot, refilled before each). Virtual time only: our wheel, Agrona, and
 * DelayQueue (whose getDelay reads the virtual clock; no remove, so 1e6 is fair to it). ScheduledThreadPoolExecutor
 * and Netty have no virtual time and would need a real hour.
 *
 * <p>{@link EngineBurst#engineBurst}: the whole engine. {@code burst} grants (of 10,000 subjects) due in the same tick
 * on a clock the benchmark steps; one op moves the clock past their expiry and waits until the audit sink has
 * accepted every {@code EXPIRED} event (each grant stored EXPIRED, off the check path, audited). Single shot, the
 * grants made before each; expiries per second = burst / score. Sinks: {@code memory} (InMemoryAuditSink) and
 * {@code file} (the hash-chained JsonLinesAuditSink in GROUP_COMMIT, on the machine's temporary directory); the
 * in-memory store; no listener.
 */
public class ExpireBenchmark {

  @State(Scope.Benchmark)
  public static class Burst {
    @Param({"jit", "jitScheduler", "stpe", "netty", "agrona", "delayQueue"})
    public String impl;

    @Param({"10000", "100000"})
    public int burst;

    TimerAdapter timers;

    @Setup(Level.Trial)
    public void setUp() {
      timers = TimerAdapter.create(impl, burst);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      timers.close();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
  @Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
  @Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
  public long expireBurst(Burst state) {
    TimerAdapter timers = state.timers;
    int n = state.burst;
    long target = timers.fired + n;
    if (timers.virtualTime()) {
      long now = timers.now();
      for (int i = 0; i < n; i++) {
        timers.schedule(i, 1);
      }
      timers.advanceTo(now + 2 * TimerAdapter.TICK_MILLIS);
      if (timers.fired != target) {
        throw new IllegalStateException("fired " + timers.fired + ", expected " + target);
      }
    } else {
      for (int i = 0; i < n; i++) {
        timers.schedule(i, 0);
      }
      while (timers.fired < target) {
        Thread.onSpinWait();
      }
    }
    return target;
  }

  @State(Scope.Benchmark)
  public static class EngineBurst {
    @Param({"memory", "file"})
    public String sink;

    @Param({"100000"})
    public int burst;

    /** Ten grants each at a burst of 1e5. */
    static final int SUBJECTS = 10_000;

    SteppedClock clock;
    JitAccessManager jit;
    JsonLinesAuditSink file;
    Path dir;
    final AtomicInteger expired = new AtomicInteger();
    volatile CountDownLatch drained;

    /** Counts the EXPIRED events the sink accepted, to know when the burst is drained. */
    private AuditSink counting(AuditSink delegate) {
      return new AuditSink() {
        @Override
        public void write(AuditEvent event) {
          delegate.write(event);
          count(List.of(event));
        }

        @Override
        public void writeAll(List<AuditEvent> events) {
          delegate.writeAll(events);
          count(events);
        }

        private void count(List<AuditEvent> events) {
          int n = 0;
          for (AuditEvent event : events) {
            if (event.type() == AuditEventType.EXPIRED) {
              n++;
            }
          }
          if (n > 0 && expired.addAndGet(n) == burst) {
            drained.countDown();
          }
        }
      };
    }

    @Setup(Level.Iteration)
    public void fill() throws IOException {
      close();
      clock = new SteppedClock();
      AuditSink target;
      if (sink.equals("file")) {
        dir = Files.createTempDirectory("jit-bench-audit");
        file = JsonLinesAuditSink.builder(dir).durability(JsonLinesAuditSink.Durability.GROUP_COMMIT).build();
        target = file;
      } else {
        target = new InMemoryAuditSink();
      }
      expired.set(0);
      drained = new CountDownLatch(1);
      jit = JitAccessManager.builder().policy(Engines.ALLOW_ALL).auditSink(counting(target)).clock(clock).build();
      for (int i = 0; i < burst; i++) {
        Engines.grant(jit, Engines.request(Engines.subject(i % SUBJECTS), Engines.exactResource(i % SUBJECTS,
            i / SUBJECTS), Duration.ofMinutes(1)));
      }
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
      if (jit != null) {
        jit.close();
        jit = null;
      }
      if (file != null) {
        file.close();
        file = null;
        try (var files = Files.list(dir)) {
          for (Path p : files.toList()) {
            Files.delete(p);
          }
        }
        Files.delete(dir);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  @Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
  public int engineBurst(EngineBurst state) throws InterruptedException {
    state.clock.advanceMillis(60_000);
    if (!state.drained.await(5, TimeUnit.MINUTES)) {
      throw new IllegalStateException("drained only " + state.expired.get() + " of " + state.burst);
    }
    return state.expired.get();
  }

  @State(Scope.Benchmark)
  public static class Spread {
    static final int TIMERS = 1_000_000;

    @Param({"jit", "agrona", "delayQueue"})
    public String impl;

    TimerAdapter timers;
    long[] offsets;

    @Setup(Level.Trial)
    public void generate() {
      SplittableRandom random = new SplittableRandom(Delays.SEED);
      offsets = new long[TIMERS];
      for (int i = 0; i < TIMERS; i++) {
        offsets[i] = 1 + random.nextLong(Delays.HOUR);
      }
    }

    @Setup(Level.Iteration)
    public void fill() {
      if (timers != null) {
        timers.close();
      }
      timers = TimerAdapter.create(impl, TIMERS);
      for (int i = 0; i < TIMERS; i++) {
        timers.schedule(i, offsets[i]);
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 3)
  @Measurement(iterations = 5)
  @Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
  public long expireSpread(Spread state) {
    TimerAdapter timers = state.timers;
    long start = timers.now();
    for (long t = start + Delays.SECOND; t <= start + Delays.HOUR + Delays.SECOND; t += Delays.SECOND) {
      timers.advanceTo(t);
    }
    if (timers.fired != Spread.TIMERS) {
      throw new IllegalStateException("fired " + timers.fired + ", expected " + Spread.TIMERS);
    }
    return timers.fired;
  }
}
