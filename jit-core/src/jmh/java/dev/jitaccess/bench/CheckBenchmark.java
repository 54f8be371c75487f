package dev.jitaccess.bench;

import dev.jitaccess.AccessDecision;
import dev.jitaccess.JitAccessManager;
import dev.jitaccess.Subject;
import dev.jitaccess.UsageAudit;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code check} on the hot path: {@code subjects} subjects with {@code grants} grants each (exact names or
 * {@code tenant-s/svc-k/**} patterns), every check allowed, subjects and grants drawn from a seeded table. Default
 * engine settings: system clock, usage audit FIRST_USE (every use in the table is audited during setup, so the
 * measured path is the steady state: a bit test). Compare with {@link CheckBaselineBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 3, time = 1000, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class CheckBenchmark {

  static final int QUERIES = 1 << 16;

  @Param({"1000", "100000"})
  public int subjects;

  @Param({"1", "8"})
  public int grants;

  @Param({"exact", "pattern"})
  public String kind;

  /** The engine's usage audit; the default FIRST_USE is what the targets are about. */
  @Param({"FIRST_USE"})
  public String usage;

  JitAccessManager jit;
  Subject[] querySubjects;
  String[] queryResources;
  final AtomicInteger threadSeeds = new AtomicInteger();

  @Setup(Level.Trial)
  public void setUp() {
    jit = JitAccessManager.builder()
        .policy(Engines.ALLOW_ALL)
        .auditSink(Engines.NO_OP_SINK)
        .usageAudit(UsageAudit.valueOf(usage))
        .build();
    boolean exact = kind.equals("exact");
    Subject[] all = new Subject[subjects];
    for (int s = 0; s < subjects; s++) {
      all[s] = Engines.subject(s);
      for (int k = 0; k < grants; k++) {
        String resource = exact ? Engines.exactResource(s, k) : Engines.patternGrant(s, k);
        Engines.grant(jit, Engines.request(all[s], resource, Duration.ofHours(12)));
      }
    }
    SplittableRandom random = new SplittableRandom(Delays.SEED);
    querySubjects = new Subject[QUERIES];
    queryResources = new String[QUERIES];
    for (int q = 0; q < QUERIES; q++) {
      int s = random.nextInt(subjects);
      int k = random.nextInt(grants);
      querySubjects[q] = all[s];
      queryResources[q] = exact ? Engines.exactResource(s, k) : Engines.patternResource(s, k);
      queryResources[q].hashCode(); // as a caller's interned constant would be
      if (!jit.check(querySubjects[q], queryResources[q], "read").allowed()) {
        throw new IllegalStateException("setup: check denied " + queryResources[q]);
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    jit.close();
  }

  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup(Level.Trial)
    public void setUp(CheckBenchmark bench) {
      next = bench.threadSeeds.getAndIncrement() * (QUERIES / 2);
    }
  }

  @Benchmark
  @Threads(1)
  public AccessDecision check(Cursor cursor) {
    int q = cursor.next++ & (QUERIES - 1);
    return jit.check(querySubjects[q], queryResources[q], "read");
  }

  @Benchmark
  @Threads(2)
  public AccessDecision check2t(Cursor cursor) {
    int q = cursor.next++ & (QUERIES - 1);
    return jit.check(querySubjects[q], queryResources[q], "read");
  }
}
