package dev.jitaccess.bench;

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
 * Steady state with {@code live} pending timers: {@link #scheduleCancel} cancels the oldest timer and schedules a
 * new one (one op = one cancel + one schedule, so the live count stays put); {@link #reschedule} extends the oldest
 * timer by 15 min (a grant extension). Delays come from a pre-generated, seeded table ({@link Delays}).
 *
 * <p>Time moves as it would in use: virtual-time implementations (our wheel, Agrona, DelayQueue) advance 1 ms
 * every {@value #OPS_PER_MILLI} operations, in setup too, so timers with equal delays do not all share one tick.
 * Nothing fires: the oldest timer (the one replaced) is younger than the shortest delay (1 s), on the real clock
 * too.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 300, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class TimerBenchmark {

  static final long EXTENSION = 15 * Delays.MINUTE;
  static final int OPS_PER_MILLI = 2048;

  @Param({"jit", "jitScheduler", "stpe", "netty", "agrona"})
  public String impl;

  @Param({"1000", "100000", "1000000"})
  public int live;

  @Param({"fixed5m", "uniform", "bimodal", "week"})
  public String dist;

  private TimerAdapter timers;
  private long[] delays;
  /** Per slot: the delay it was last scheduled with (for reschedule). */
  private long[] current;
  private int slot;
  private int next;
  private boolean virtualTime;
  private int ops;

  @Setup(Level.Trial)
  public void setUp() {
    if (impl.equals("delayQueue") && live > 100_000) {
      throw new IllegalArgumentException("DelayQueue runs only up to 1e5 live timers: its remove is linear");
    }
    timers = TimerAdapter.create(impl, live);
    virtualTime = timers.virtualTime();
    delays = Delays.generate(dist);
    current = new long[live];
    for (int i = 0; i < live; i++) {
      current[i] = delays[next++ & Delays.MASK];
      timers.schedule(i, current[i]);
      tick();
    }
    slot = 0;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    timers.close();
  }

  @Benchmark
  public void scheduleCancel() {
    int s = slot;
    timers.cancel(s);
    timers.schedule(s, delays[next++ & Delays.MASK]);
    slot = s + 1 == live ? 0 : s + 1;
    tick();
  }

  private void tick() {
    if (virtualTime && ++ops == OPS_PER_MILLI) {
      ops = 0;
      timers.advanceTo(timers.now() + 1);
    }
  }

  @Benchmark
  public void reschedule() {
    int s = slot;
    long delay = current[s] + EXTENSION;
    if (delay > 30 * Delays.DAY) {
      delay = delays[s & Delays.MASK]; // bounded, so the geometry stays the same over the run
    }
    current[s] = delay;
    timers.reschedule(s, delay);
    slot = s + 1 == live ? 0 : s + 1;
    tick();
  }
}
